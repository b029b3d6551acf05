using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Platform.Web.Features.Accounts;

namespace Platform.Web.Pages.Account;

public sealed class LogoutModel(AccountsApiClient accounts, ILogger<LogoutModel> logger) : PageModel
{
    public void OnGet()
    {
    }

    /// <summary>
    /// Ends the session: the Api revokes the account's refresh tokens, then the cookie is cleared and the session (with its
    /// Api tokens) is removed from Redis. Should the Api be unreachable, the person is still signed out here: the tokens
    /// were only ever in that session, which is gone.
    /// </summary>
    public async Task<IActionResult> OnPostAsync(CancellationToken ct)
    {
        var session = await HttpContext.AuthenticateAsync(CookieAuthenticationDefaults.AuthenticationScheme);
        if (session.Succeeded)
        {
            var revoked = false;
            try
            {
                revoked = await accounts.LogoutAsync(
                    session.Properties.GetTokenValue(ApiAccessTokenHandler.AccessToken),
                    session.Properties.GetTokenValue(ApiAccessTokenHandler.RefreshToken), ct);
            }
            catch (HttpRequestException ex)
            {
                logger.LogWarning(ex, "The Api could not revoke the refresh tokens at sign-out");
            }

            if (!revoked)
            {
                logger.LogWarning("The Api did not confirm sign-out; the session is removed here all the same");
            }
        }

        await HttpContext.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
        return Redirect("/");
    }
}
