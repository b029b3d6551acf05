using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Platform.ServiceDefaults.Resilience;

namespace Platform.Web.Features.Accounts;

/// <summary>Signs a person in with the Api and keeps their tokens in the server-side session.</summary>
public sealed class AccountSignIn(AccountsApiClient accounts, TimeProvider clock)
{
    /// <summary>Null when signed in; otherwise the message to show.</summary>
    public async Task<string?> SignInAsync(HttpContext context, string email, string password, CancellationToken ct)
    {
        var login = await accounts.LoginAsync(email, password, ct);
        if (!login.Succeeded)
        {
            return login.Error;
        }

        var identity = new ClaimsIdentity(
            [new Claim(ClaimTypes.Name, email), new Claim(ClaimTypes.Email, email)],
            CookieAuthenticationDefaults.AuthenticationScheme);
        var now = clock.GetUtcNow();
        var properties = ApiAccessTokenHandler.WithTokens(SessionCookie.SignedInAt(new AuthenticationProperties { IsPersistent = true }, now), login.Value!, now);
        try
        {
            await context.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme, new ClaimsPrincipal(identity), properties);
        }
        catch (DependencyUnavailableException)
        {
            // The session store (Redis) is down: the password was right, but there is nowhere to keep the session yet.
            return "Signing in is not possible for a moment (our session store is unavailable). Please try again in a few seconds.";
        }

        return null;
    }
}
