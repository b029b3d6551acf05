using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using Platform.Api.Data;

namespace Platform.Api.Features.Accounts;

/// <summary>
/// Accounts: ASP.NET Core Identity on the Api's database, with the Identity API endpoints (register, login, refresh, …)
/// under <c>/api/auth</c> handing out bearer tokens, plus <c>/api/auth/logout</c>. Passwords follow Identity's defaults;
/// an account is locked for <see cref="LockoutMinutes"/> minutes after <see cref="MaxFailedSignIns"/> failed sign-ins in a row.
/// </summary>
public static class AccountsExtensions
{
    /// <summary>The policy of every endpoint that needs a signed-in user: a bearer token, never a cookie (no CSRF surface).</summary>
    public const string SignedInUserPolicy = "signed-in-user";

    /// <summary>Failed sign-ins in a row before the account is locked (Identity's default, stated so tests and docs can rely on it).</summary>
    public const int MaxFailedSignIns = 5;

    public const int LockoutMinutes = 5;

    private const string DataProtectionKeysKey = "platform:api:data-protection-keys";

    public static IHostApplicationBuilder AddAccounts(this IHostApplicationBuilder builder)
    {
        builder.Services.AddIdentityApiEndpoints<PlatformUser>(options =>
            {
                // Identity's login endpoint counts failures (lockoutOnFailure: true); new accounts are covered too.
                options.Lockout.AllowedForNewUsers = true;
                options.Lockout.MaxFailedAccessAttempts = MaxFailedSignIns;
                options.Lockout.DefaultLockoutTimeSpan = TimeSpan.FromMinutes(LockoutMinutes);
            })
            .AddEntityFrameworkStores<PlatformDbContext>();

        builder.Services.AddAuthorizationBuilder()
            .AddPolicy(SignedInUserPolicy, policy => policy
                .AddAuthenticationSchemes(IdentityConstants.BearerScheme)
                .RequireAuthenticatedUser());

        // Bearer tokens are protected with Data Protection keys. Every Api instance behind the load balancer must read
        // the tokens the others issued, so the key ring lives in Redis rather than in each container's file system,
        // each key encrypted (PlatformDataProtection).
        builder.AddPlatformDataProtection("platform-api", DataProtectionKeysKey);
        return builder;
    }

    public static IEndpointRouteBuilder MapAccountEndpoints(this IEndpointRouteBuilder app)
    {
        var auth = app.MapGroup("/api/auth").WithTags("Accounts").AddEndpointFilter(AccountRequestValidation.ValidateAsync);
        auth.MapIdentityApi<PlatformUser>();
        auth.MapPost("/logout", LogoutAsync).WithName("Logout")
            .RequireAuthorization(SignedInUserPolicy)
            .ProducesProblem(StatusCodes.Status401Unauthorized);
        return app;
    }

    /// <summary>
    /// Signs the account out everywhere: a new security stamp makes every refresh token issued so far useless (Identity's
    /// <c>/refresh</c> checks the stamp). Access tokens already handed out live until they expire (an hour at most).
    /// </summary>
    private static async Task<Results<NoContent, UnauthorizedHttpResult>> LogoutAsync(ClaimsPrincipal principal, UserManager<PlatformUser> users)
    {
        if (await users.GetUserAsync(principal) is not { } user)
        {
            return TypedResults.Unauthorized();
        }

        await users.UpdateSecurityStampAsync(user);
        return TypedResults.NoContent();
    }

    /// <summary>The signed-in user's id (the bearer token's name identifier).</summary>
    public static Guid UserId(this ClaimsPrincipal user) =>
        Guid.TryParse(user.FindFirstValue(ClaimTypes.NameIdentifier), out var id)
            ? id
            : throw new InvalidOperationException("The endpoint requires the signed-in-user policy, but the principal has no user id.");
}
