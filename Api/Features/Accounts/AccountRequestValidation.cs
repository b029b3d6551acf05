using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Identity.Data;

namespace Platform.Api.Features.Accounts;

/// <summary>
/// Checks what a client sends to Identity's API endpoints before Identity sees it, and says in words what Identity's own
/// answers only name. Identity's endpoints take their JSON as given: a <c>null</c> e-mail reaches the sign-in manager
/// (an <see cref="ArgumentNullException"/>, a 500), a 10,000-character e-mail reaches the database (a column of 256: a
/// 500), a user id that is not a Guid reaches the user store (a <see cref="FormatException"/>, a 500). Here each of
/// those is a 400 naming the field. Identity offers no hook for this, hence an endpoint filter on the group.
/// </summary>
public static class AccountRequestValidation
{
    /// <summary>The e-mail and user-name columns of Identity's schema.</summary>
    public const int MaxEmailLength = 256;

    /// <summary>Far above any password a person types; a limit so nobody makes the Api hash a 60 KB string.</summary>
    public const int MaxPasswordLength = 256;

    /// <summary>Refresh tokens are Data Protection payloads of well under 2 KB.</summary>
    public const int MaxTokenLength = 4096;

    /// <summary>Two-factor and recovery codes are a few characters.</summary>
    private const int MaxCodeLength = 64;

    public static async ValueTask<object?> ValidateAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var errors = new Dictionary<string, string[]>();

        // This Api hands out bearer tokens only: a cookie session on it would be a CSRF surface nobody needs.
        foreach (var cookieFlag in (string[])["useCookies", "useSessionCookies"])
        {
            if (http.Request.Query.TryGetValue(cookieFlag, out var value) && !string.Equals(value, "false", StringComparison.OrdinalIgnoreCase))
            {
                errors[cookieFlag] = ["This Api signs in with bearer tokens only: leave out useCookies and useSessionCookies."];
            }
        }

        foreach (var argument in context.Arguments)
        {
            switch (argument)
            {
                case RegisterRequest register:
                    Email(errors, "email", register.Email);
                    Password(errors, "password", register.Password);
                    break;
                case LoginRequest login:
                    Email(errors, "email", login.Email);
                    Password(errors, "password", login.Password);
                    Optional(errors, "twoFactorCode", login.TwoFactorCode, MaxCodeLength);
                    Optional(errors, "twoFactorRecoveryCode", login.TwoFactorRecoveryCode, MaxCodeLength);
                    break;
                case RefreshRequest refresh:
                    Required(errors, "refreshToken", refresh.RefreshToken, "The refresh token is required.", MaxTokenLength);
                    break;
                case ResendConfirmationEmailRequest resend:
                    Email(errors, "email", resend.Email);
                    break;
                case ForgotPasswordRequest forgot:
                    Email(errors, "email", forgot.Email);
                    break;
                case ResetPasswordRequest reset:
                    Email(errors, "email", reset.Email);
                    Required(errors, "resetCode", reset.ResetCode, "The reset code is required.", MaxTokenLength);
                    Password(errors, "newPassword", reset.NewPassword);
                    break;
                case TwoFactorRequest twoFactor:
                    Optional(errors, "twoFactorCode", twoFactor.TwoFactorCode, MaxCodeLength);
                    break;
                case InfoRequest info:
                    if (info.NewEmail is not null)
                    {
                        Email(errors, "newEmail", info.NewEmail);
                    }

                    Optional(errors, "newPassword", info.NewPassword, MaxPasswordLength);
                    Optional(errors, "oldPassword", info.OldPassword, MaxPasswordLength);
                    break;
            }
        }

        // GET /confirmEmail?userId=…&code=…: the user store parses the id as a Guid and throws on anything else.
        if (http.Request.Path.Value?.EndsWith("/confirmEmail", StringComparison.OrdinalIgnoreCase) == true)
        {
            if (!Guid.TryParse(http.Request.Query["userId"], out _))
            {
                errors["userId"] = ["The user id is the one in the confirmation link (a GUID)."];
            }

            Required(errors, "code", http.Request.Query["code"], "The confirmation code is required.", MaxTokenLength);
            Optional(errors, "changedEmail", http.Request.Query["changedEmail"], MaxEmailLength);
        }

        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, title: "The request is incomplete or invalid.");
        }

        // Failed sign-ins are throttled per address and account (SignInThrottle): past the limit the answer is the one
        // for a wrong password, and no password is checked.
        var signIn = context.Arguments.OfType<LoginRequest>().FirstOrDefault();
        var throttle = http.RequestServices.GetRequiredService<SignInThrottle>();
        var address = SignInThrottle.ClientAddress(http);
        if (signIn is not null && !throttle.MayTry(address, signIn.Email))
        {
            return WrongCredentials();
        }

        var result = await next(context);
        if (signIn is not null && Unwrap(result) is ProblemHttpResult { StatusCode: StatusCodes.Status401Unauthorized, ProblemDetails.Detail: "Failed" })
        {
            throttle.Failed(address, signIn.Email);
        }

        return Explain(result);
    }

    /// <summary>
    /// The one answer for an unknown account, a wrong password and an address that tried this account too often: the
    /// same status and body, so none of them tells an attacker which it was.
    /// </summary>
    public static ProblemHttpResult WrongCredentials() => TypedResults.Problem(
        statusCode: StatusCodes.Status401Unauthorized,
        title: "The e-mail or password is not right.",
        detail: "Check both and try again.");

    private static object? Unwrap(object? result) => result is INestedHttpResult nested ? nested.Result : result;

    /// <summary>
    /// Identity's sign-in answers a 401 whose detail is the name of a <see cref="SignInResult"/> ("Failed", "NotAllowed");
    /// a client shows the detail, so it becomes a sentence. Nothing else in the answer changes.
    /// </summary>
    private static object? Explain(object? result)
    {
        // Identity's handlers return a Results<…> union; the answer itself is inside it.
        if (Unwrap(result) is not ProblemHttpResult { StatusCode: StatusCodes.Status401Unauthorized } problem)
        {
            return result;
        }

        return problem.ProblemDetails.Detail switch
        {
            // LockedOut cannot happen (PlatformUserManager has no lockout); were it to, it must not differ from Failed.
            "Failed" or "LockedOut" => WrongCredentials(),
            "NotAllowed" => TypedResults.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "This account may not sign in yet.", detail: "The account's e-mail address has not been confirmed."),
            "RequiresTwoFactor" => TypedResults.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "A two-factor code is needed.", detail: "Send the twoFactorCode (or twoFactorRecoveryCode) with the e-mail and password."),
            _ => result,
        };
    }

    private static void Email(Dictionary<string, string[]> errors, string field, string? email)
    {
        if (string.IsNullOrWhiteSpace(email))
        {
            errors[field] = ["The e-mail address is required."];
        }
        else if (email.Length > MaxEmailLength)
        {
            errors[field] = [$"The e-mail address can be at most {MaxEmailLength} characters long; this one has {email.Length}."];
        }
        else if (email.Any(char.IsControl))
        {
            errors[field] = ["The e-mail address must not contain control characters."];
        }
    }

    private static void Password(Dictionary<string, string[]> errors, string field, string? password)
    {
        if (string.IsNullOrEmpty(password))
        {
            errors[field] = ["The password is required."];
        }
        else if (password.Length > MaxPasswordLength)
        {
            errors[field] = [$"The password can be at most {MaxPasswordLength} characters long."];
        }
    }

    private static void Required(Dictionary<string, string[]> errors, string field, string? value, string missing, int maxLength)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            errors[field] = [missing];
        }
        else
        {
            Optional(errors, field, value, maxLength);
        }
    }

    private static void Optional(Dictionary<string, string[]> errors, string field, string? value, int maxLength)
    {
        if (value is not null && value.Length > maxLength)
        {
            errors[field] = [$"The {field} can be at most {maxLength} characters long."];
        }
    }
}
