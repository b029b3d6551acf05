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
            return ApiResult<TokenResponse>.Failure("The e-mail or password is not right, or the account is locked for a while after too many attempts.");
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
}
