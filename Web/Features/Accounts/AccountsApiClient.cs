using System.Net;
using System.Net.Http.Json;
using Platform.Web.Features.Media;

namespace Platform.Web.Features.Accounts;

/// <summary>The Api's account endpoints (ASP.NET Core Identity's API: register, login, refresh).</summary>
public sealed class AccountsApiClient(HttpClient http)
{
    public sealed record TokenResponse(string TokenType, string AccessToken, int ExpiresIn, string RefreshToken);

    /// <summary>Registers an account; on failure, the Api's messages (password rules, taken e-mail) for the form.</summary>
    public async Task<ApiResult<bool>> RegisterAsync(string email, string password, CancellationToken ct)
    {
        using var response = await http.PostAsJsonAsync("/api/auth/register", new { email, password }, ct);
        return response.IsSuccessStatusCode ? ApiResult<bool>.Success(true) : await ApiResult<bool>.FailureAsync(response, ct);
    }

    public async Task<ApiResult<TokenResponse>> LoginAsync(string email, string password, CancellationToken ct)
    {
        using var response = await http.PostAsJsonAsync("/api/auth/login", new { email, password }, ct);
        if (response.StatusCode == HttpStatusCode.Unauthorized)
        {
            return ApiResult<TokenResponse>.Failure("The e-mail or password is not right.");
        }

        return response.IsSuccessStatusCode
            ? ApiResult<TokenResponse>.Success((await response.Content.ReadFromJsonAsync<TokenResponse>(ct))!)
            : await ApiResult<TokenResponse>.FailureAsync(response, ct);
    }

    public async Task<TokenResponse?> RefreshAsync(string refreshToken, CancellationToken ct)
    {
        using var response = await http.PostAsJsonAsync("/api/auth/refresh", new { refreshToken }, ct);
        return response.IsSuccessStatusCode ? await response.Content.ReadFromJsonAsync<TokenResponse>(ct) : null;
    }

    /// <summary>
    /// Ends the account's sessions at the Api: its refresh tokens stop working. An access token that has expired is
    /// renewed once with the refresh token first; if that is refused, the refresh token is already dead. True when the
    /// Api confirmed it (or there was nothing left to revoke).
    /// </summary>
    public async Task<bool> LogoutAsync(string? accessToken, string? refreshToken, CancellationToken ct)
    {
        if (accessToken is not null && await SendLogoutAsync(accessToken, ct) is { } done)
        {
            return done;
        }

        if (refreshToken is null || await RefreshAsync(refreshToken, ct) is not { } renewed)
        {
            return true;
        }

        return await SendLogoutAsync(renewed.AccessToken, ct) ?? false;
    }

    /// <summary>True when done, false when the Api failed, null when the access token was refused.</summary>
    private async Task<bool?> SendLogoutAsync(string accessToken, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/auth/logout");
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", accessToken);
        using var response = await http.SendAsync(request, ct);
        return response.StatusCode == HttpStatusCode.Unauthorized ? null : response.IsSuccessStatusCode;
    }
}
