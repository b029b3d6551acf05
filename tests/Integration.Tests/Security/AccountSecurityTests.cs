using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;

namespace Platform.Integration.Tests.Security;

/// <summary>Accounts under attack: malformed sign-ups and sign-ins, guessing passwords, and sessions that must end.</summary>
public sealed class AccountSecurityTests(PlatformAppFixture fixture)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Registering_with_a_10000_character_email_is_a_400_naming_the_field()
    {
        using var api = MediaClient.Anonymous(fixture);

        var response = await api.PostAsJsonAsync("/api/auth/register", new { email = new string('a', 10_000) + "@example.test", password = MediaClient.Password }, Ct);

        var problem = await SignInClients.AssertProblemAsync(response, HttpStatusCode.BadRequest, Ct);
        Assert.Contains("at most 256 characters", Assert.Single(problem.Errors!["email"]));
    }

    [Theory]
    [InlineData("""{"email":null,"password":null}""", "email", "password")]
    [InlineData("""{"email":"someone@example.test","password":null}""", "password")]
    [InlineData("""{"email":"","password":"x"}""", "email")]
    public async Task Signing_in_with_null_or_empty_fields_is_a_400_naming_them(string body, params string[] fields)
    {
        using var api = MediaClient.Anonymous(fixture);

        var response = await api.PostAsync("/api/auth/login", MediaClient.Json(body), Ct);

        var problem = await SignInClients.AssertProblemAsync(response, HttpStatusCode.BadRequest, Ct);
        Assert.Equal(fields.Order(), problem.Errors!.Keys.Order());
    }

    [Fact]
    public async Task The_api_refuses_to_sign_in_with_a_cookie()
    {
        using var user = await MediaClient.SignUpAsync(fixture, Ct);
        using var api = MediaClient.Anonymous(fixture);

        var response = await api.PostAsJsonAsync("/api/auth/login?useCookies=true", new { email = user.Email, password = MediaClient.Password }, Ct);

        var problem = await SignInClients.AssertProblemAsync(response, HttpStatusCode.BadRequest, Ct);
        Assert.True(problem.Errors!.ContainsKey("useCookies"));
        Assert.False(response.Headers.Contains("Set-Cookie"));
    }

    [Fact]
    public async Task Signing_out_of_the_api_revokes_every_refresh_token_of_the_account()
    {
        using var api = MediaClient.Anonymous(fixture);
        var email = $"user-{Guid.NewGuid():N}@example.test";
        (await api.PostAsJsonAsync("/api/auth/register", new { email, password = MediaClient.Password }, Ct)).EnsureSuccessStatusCode();
        var phone = await SignInClients.LoginAsync(api, email, Ct);
        var laptop = await SignInClients.LoginAsync(api, email, Ct);
        Assert.Equal(HttpStatusCode.OK, (await api.PostAsJsonAsync("/api/auth/refresh", new { refreshToken = laptop.RefreshToken }, Ct)).StatusCode);

        using var logout = new HttpRequestMessage(HttpMethod.Post, "/api/auth/logout");
        logout.Headers.Authorization = new AuthenticationHeaderValue("Bearer", phone.AccessToken);
        Assert.Equal(HttpStatusCode.NoContent, (await api.SendAsync(logout, Ct)).StatusCode);

        foreach (var session in new[] { phone, laptop })
        {
            var refresh = await api.PostAsJsonAsync("/api/auth/refresh", new { refreshToken = session.RefreshToken }, Ct);
            await SignInClients.AssertProblemAsync(refresh, HttpStatusCode.Unauthorized, Ct);
        }

        // Signing in again works as before.
        await SignInClients.LoginAsync(api, email, Ct);
    }

    [Fact]
    public async Task Signing_out_needs_a_signed_in_user()
    {
        using var api = MediaClient.Anonymous(fixture);

        var response = await api.PostAsync("/api/auth/logout", content: null, Ct);

        await SignInClients.AssertProblemAsync(response, HttpStatusCode.Unauthorized, Ct);
    }

    [Fact]
    public async Task Signing_out_on_web_revokes_the_refresh_tokens_at_the_api()
    {
        var email = $"user-{Guid.NewGuid():N}@example.test";
        using var web = await WebFormSession.SignUpAsync(fixture, email, Ct);
        using var api = MediaClient.Anonymous(fixture);
        var elsewhere = await SignInClients.LoginAsync(api, email, Ct);

        var signedOut = await web.PostFormAsync("/account/logout", [], Ct);

        Assert.Equal(HttpStatusCode.Redirect, signedOut.StatusCode);
        var refresh = await api.PostAsJsonAsync("/api/auth/refresh", new { refreshToken = elsewhere.RefreshToken }, Ct);
        await SignInClients.AssertProblemAsync(refresh, HttpStatusCode.Unauthorized, Ct);
        var gallery = await web.Http.GetAsync("/gallery", Ct);
        Assert.Equal(HttpStatusCode.Redirect, gallery.StatusCode);
        var location = gallery.Headers.Location!;
        Assert.StartsWith("/account/login", location.IsAbsoluteUri ? location.PathAndQuery : location.OriginalString);
    }

    [Fact]
    public async Task Pings_need_a_signed_in_user_and_write_nothing_for_anyone_else()
    {
        using var api = MediaClient.Anonymous(fixture);

        var send = await api.PostAsync("/api/diagnostics/pings", content: null, Ct);
        var read = await api.GetAsync($"/api/diagnostics/pings/{Guid.NewGuid()}", Ct);

        await SignInClients.AssertProblemAsync(send, HttpStatusCode.Unauthorized, Ct);
        await SignInClients.AssertProblemAsync(read, HttpStatusCode.Unauthorized, Ct);
    }

    [Fact]
    public async Task Pings_take_from_the_senders_write_allowance()
    {
        using var user = await MediaClient.SignUpAsync(fixture, Ct);

        // The allowance is a bucket of 30 writes refilled at 5 a second: 120 sent at once could only all pass if they
        // reached the Api spread over more than 18 s.
        var answers = await Task.WhenAll(Enumerable.Range(0, 120).Select(_ => user.Api.PostAsync("/api/diagnostics/pings", content: null, Ct)));

        Assert.Contains(answers, a => a.StatusCode == HttpStatusCode.Accepted);
        var limited = answers.First(a => a.StatusCode == HttpStatusCode.TooManyRequests);
        Assert.NotNull(limited.Headers.RetryAfter);
        await SignInClients.AssertProblemAsync(limited, HttpStatusCode.TooManyRequests, Ct);
        Assert.All(answers, a => Assert.Contains(a.StatusCode, new[] { HttpStatusCode.Accepted, HttpStatusCode.TooManyRequests }));
    }
}
