using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;

namespace Platform.Web.Features.Accounts;

/// <summary>
/// Adds the signed-in user's Api access token to each Api call, refreshing it (and the session in Redis) when it has
/// expired. When the Api no longer accepts the session, the user is signed out and sent to the sign-in page.
/// </summary>
public sealed class ApiAccessTokenHandler(IHttpContextAccessor accessor, AccountsApiClient accounts, RefreshCoalescer refreshes, TimeProvider clock) : DelegatingHandler
{
    public const string AccessToken = "access_token";
    public const string RefreshToken = "refresh_token";
    public const string ExpiresAt = "expires_at";

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var context = accessor.HttpContext ?? throw new InvalidOperationException("Api calls on behalf of a user need a request.");
        var result = await context.AuthenticateAsync(CookieAuthenticationDefaults.AuthenticationScheme);
        if (!result.Succeeded || result.Properties.GetTokenValue(AccessToken) is not { } accessToken)
        {
            throw new SessionExpiredException();
        }

        if (IsExpired(result.Properties))
        {
            accessToken = await RefreshAsync(context, result, cancellationToken);
        }

        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        var response = await base.SendAsync(request, cancellationToken);
        if (response.StatusCode == HttpStatusCode.Unauthorized)
        {
            response.Dispose();
            throw new SessionExpiredException();
        }

        return response;
    }

    public static AuthenticationProperties WithTokens(AuthenticationProperties properties, AccountsApiClient.TokenResponse tokens, DateTimeOffset now)
    {
        properties.StoreTokens(
        [
            new AuthenticationToken { Name = AccessToken, Value = tokens.AccessToken },
            new AuthenticationToken { Name = RefreshToken, Value = tokens.RefreshToken },
            new AuthenticationToken { Name = ExpiresAt, Value = now.AddSeconds(tokens.ExpiresIn).ToString("o", CultureInfo.InvariantCulture) },
        ]);
        return properties;
    }

    private bool IsExpired(AuthenticationProperties properties) =>
        !DateTimeOffset.TryParse(properties.GetTokenValue(ExpiresAt), CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var expiresAt)
        || expiresAt <= clock.GetUtcNow().AddSeconds(30);

    private async Task<string> RefreshAsync(HttpContext context, AuthenticateResult result, CancellationToken ct)
    {
        var properties = result.Properties ?? throw new SessionExpiredException();
        var refreshToken = properties.GetTokenValue(RefreshToken) ?? throw new SessionExpiredException();
        // The exchange is shared with concurrent requests of the session, so one request's cancellation must not end it.
        var tokens = await refreshes.RefreshAsync(refreshToken, () => accounts.RefreshAsync(refreshToken, CancellationToken.None)).WaitAsync(ct)
            ?? throw new SessionExpiredException();
        await context.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme, result.Principal!,
            WithTokens(properties, tokens, clock.GetUtcNow()));
        return tokens.AccessToken;
    }
}

/// <summary>The Api no longer accepts this session; the Web app signs the user out and asks them to sign in again.</summary>
public sealed class SessionExpiredException() : Exception("The session has expired; please sign in again.");
