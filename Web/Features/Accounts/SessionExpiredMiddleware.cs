using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;

namespace Platform.Web.Features.Accounts;

/// <summary>
/// When the Api stops accepting a session (expired refresh token, account removed), the user is signed out and asked to
/// sign in again: pages redirect to the sign-in page, script calls get a 401 they turn into the same redirect.
/// </summary>
public sealed class SessionExpiredMiddleware(RequestDelegate next)
{
    public async Task InvokeAsync(HttpContext context)
    {
        try
        {
            await next(context);
        }
        catch (SessionExpiredException) when (!context.Response.HasStarted)
        {
            await context.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
            if (context.Request.Path.StartsWithSegments("/uploads"))
            {
                context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                return;
            }

            var returnUrl = Uri.EscapeDataString(context.Request.Path + context.Request.QueryString);
            context.Response.Redirect($"/account/login?returnUrl={returnUrl}&expired=1");
        }
    }
}
