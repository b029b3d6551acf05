using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Platform.Tests.Shared;

namespace Platform.Integration.Tests.Security;

/// <summary>
/// Sessions that end: a token somebody copied stops working when its owner signs out or changes the password, and a
/// refresh token works once.
/// </summary>
public sealed class SessionEndTests(PlatformAppFixture fixture)
{
    /// <summary>The Api promises seconds (its stamp cache is 10 s); the deadline leaves room for a loaded machine.</summary>
    private static readonly TimeSpan RevocationDeadline = TimeSpan.FromSeconds(30);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>
    /// Data Protection also reads a token with whitespace inside, a spelling the Api does not keep in memory: either
    /// spelling ends with the session.
    /// </summary>
    [Theory]
    [InlineData("as issued")]
    [InlineData("with a space inside")]
    public async Task An_access_token_is_refused_within_seconds_after_its_owner_signs_out(string spelling)
    {
        using var api = SignInClients.FromNewAddress(fixture);
        var email = await SignInClients.RegisterAsync(api, Ct);
        var stolen = await SignInClients.LoginAsync(api, email, Ct);
        var sent = spelling == "as issued" ? stolen.AccessToken : stolen.AccessToken.Insert(stolen.AccessToken.Length / 2, " ");
        Assert.Equal(HttpStatusCode.OK, (await ListAsync(api, sent, Ct)).StatusCode);

        using var logout = Bearer(HttpMethod.Post, "/api/auth/logout", stolen.AccessToken);
        Assert.Equal(HttpStatusCode.NoContent, (await api.SendAsync(logout, Ct)).StatusCode);

        await RefusedWithinDeadlineAsync(api, sent);
    }

    [Fact]
    public async Task An_access_token_is_refused_within_seconds_after_its_owner_changes_the_password()
    {
        using var api = SignInClients.FromNewAddress(fixture);
        var email = await SignInClients.RegisterAsync(api, Ct);
        var stolen = await SignInClients.LoginAsync(api, email, Ct);
        var owner = await SignInClients.LoginAsync(api, email, Ct);
        Assert.Equal(HttpStatusCode.OK, (await ListAsync(api, stolen.AccessToken, Ct)).StatusCode);

        using var change = Bearer(HttpMethod.Post, "/api/auth/manage/info", owner.AccessToken);
        change.Content = JsonContent.Create(new { oldPassword = MediaClient.Password, newPassword = "a brand new passphrase for the owner" });
        var changed = await api.SendAsync(change, Ct);
        Assert.True(changed.IsSuccessStatusCode, await changed.Content.ReadAsStringAsync(Ct));

        await RefusedWithinDeadlineAsync(api, stolen.AccessToken);
    }

    [Fact]
    public async Task A_refresh_token_used_twice_is_refused_and_ends_the_tokens_issued_for_it()
    {
        using var api = SignInClients.FromNewAddress(fixture);
        var email = await SignInClients.RegisterAsync(api, Ct);
        var first = await SignInClients.LoginAsync(api, email, Ct);

        // The thief redeems the copied token first; the owner's client then shows the same token.
        var exchanged = await api.PostAsJsonAsync("/api/auth/refresh", new { refreshToken = first.RefreshToken }, Ct);
        Assert.Equal(HttpStatusCode.OK, exchanged.StatusCode);
        var descendant = (await exchanged.Content.ReadFromJsonAsync<SignInClients.Tokens>(Ct))!;
        var replay = await api.PostAsJsonAsync("/api/auth/refresh", new { refreshToken = first.RefreshToken }, Ct);

        await SignInClients.AssertProblemAsync(replay, HttpStatusCode.Unauthorized, Ct);
        var descendantRefresh = await api.PostAsJsonAsync("/api/auth/refresh", new { refreshToken = descendant.RefreshToken }, Ct);
        await SignInClients.AssertProblemAsync(descendantRefresh, HttpStatusCode.Unauthorized, Ct);
        await RefusedWithinDeadlineAsync(api, descendant.AccessToken);

        // The owner signs in again as before.
        await SignInClients.LoginAsync(api, email, Ct);
    }

    [Fact]
    public async Task A_refresh_token_is_no_access_token()
    {
        using var api = SignInClients.FromNewAddress(fixture);
        var email = await SignInClients.RegisterAsync(api, Ct);
        var tokens = await SignInClients.LoginAsync(api, email, Ct);
        Assert.Equal(HttpStatusCode.OK, (await ListAsync(api, tokens.AccessToken, Ct)).StatusCode);

        Assert.Equal(HttpStatusCode.Unauthorized, (await ListAsync(api, tokens.RefreshToken, Ct)).StatusCode);
    }

    [Fact]
    public async Task Web_signs_the_user_out_cleanly_once_the_api_has_ended_the_session()
    {
        var email = $"user-{Guid.NewGuid():N}@example.test";
        using var web = await WebFormSession.SignUpAsync(fixture, email, Ct);
        Assert.Equal(HttpStatusCode.OK, (await web.Http.GetAsync("/gallery", Ct)).StatusCode);

        // The owner signs out everywhere from another client (a new security stamp for the account).
        using var api = SignInClients.FromNewAddress(fixture);
        var elsewhere = await SignInClients.LoginAsync(api, email, Ct);
        using var logout = Bearer(HttpMethod.Post, "/api/auth/logout", elsewhere.AccessToken);
        Assert.Equal(HttpStatusCode.NoContent, (await api.SendAsync(logout, Ct)).StatusCode);

        var gallery = await Eventually.ReturnsAsync(
            async ct =>
            {
                var response = await web.Http.GetAsync("/gallery", ct);
                Assert.True(response.StatusCode is HttpStatusCode.OK or HttpStatusCode.Redirect, $"the gallery answered {(int)response.StatusCode}");
                return response;
            },
            r => r.StatusCode == HttpStatusCode.Redirect, RevocationDeadline, Ct);

        var location = gallery.Headers.Location!;
        Assert.StartsWith("/account/login", location.IsAbsoluteUri ? location.PathAndQuery : location.OriginalString);
        var again = await web.Http.GetAsync("/gallery", Ct);
        Assert.Equal(HttpStatusCode.Redirect, again.StatusCode);
    }

    private static HttpRequestMessage Bearer(HttpMethod method, string path, string accessToken)
    {
        var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        return request;
    }

    private static async Task<HttpResponseMessage> ListAsync(HttpClient api, string accessToken, CancellationToken ct)
    {
        using var request = Bearer(HttpMethod.Get, "/api/media", accessToken);
        return await api.SendAsync(request, ct);
    }

    private static async Task RefusedWithinDeadlineAsync(HttpClient api, string accessToken)
    {
        var refused = await Eventually.ReturnsAsync(
            async ct =>
            {
                var response = await ListAsync(api, accessToken, ct);
                Assert.True(response.StatusCode is HttpStatusCode.OK or HttpStatusCode.Unauthorized, $"the list answered {(int)response.StatusCode}");
                return response;
            },
            r => r.StatusCode == HttpStatusCode.Unauthorized, RevocationDeadline, Ct);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
    }
}
