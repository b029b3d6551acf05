using System.Net;
using System.Net.Http.Json;

namespace Platform.Integration.Tests;

/// <summary>Every client mistake gets the right 4xx with a ProblemDetails body that says what is wrong — never a 500.</summary>
public sealed class MediaValidationTests(PlatformAppFixture fixture)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("""{ "fileName": "a.exe", "contentType": "application/x-msdownload", "size": 10 }""", HttpStatusCode.UnsupportedMediaType, "application/x-msdownload")]
    [InlineData("""{ "fileName": "a.svg", "contentType": "image/svg+xml", "size": 10 }""", HttpStatusCode.UnsupportedMediaType, "image/svg+xml")]
    [InlineData("""{ "fileName": "huge.jpg", "contentType": "image/jpeg", "size": 104857601 }""", HttpStatusCode.RequestEntityTooLarge, "104857600")]
    [InlineData("""{ "contentType": "image/jpeg", "size": 10 }""", HttpStatusCode.BadRequest, "fileName")]
    [InlineData("""{ "fileName": "a.jpg", "size": 10 }""", HttpStatusCode.BadRequest, "contentType")]
    [InlineData("""{ "fileName": "a.jpg", "contentType": "image/jpeg" }""", HttpStatusCode.BadRequest, "size")]
    [InlineData("""{ "fileName": "a.jpg", "contentType": "image/jpeg", "size": 0 }""", HttpStatusCode.BadRequest, "size")]
    [InlineData("""{ "fileName": "a.jpg", "contentType": "image/jpeg", "size": -5 }""", HttpStatusCode.BadRequest, "size")]
    [InlineData("""{ "fileName": "a.jpg", "contentType": "image/jpeg", "size": "big" }""", HttpStatusCode.BadRequest, "JSON")]
    [InlineData("""{ "fileName": "a.jpg", """, HttpStatusCode.BadRequest, "JSON")]
    [InlineData("""{}""", HttpStatusCode.BadRequest, "fileName")]
    public async Task Invalid_upload_requests_are_refused_with_a_problem_naming_it(string json, HttpStatusCode expected, string named)
    {
        using var user = await MediaClient.SignUpAsync(fixture, Ct);

        var response = await user.Api.PostAsync("/api/media", MediaClient.Json(json), Ct);

        Assert.Equal(expected, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var body = await response.Content.ReadAsStringAsync(Ct);
        Assert.Contains(named, body);
    }

    [Fact]
    public async Task A_body_that_is_not_json_or_too_large_is_refused()
    {
        using var user = await MediaClient.SignUpAsync(fixture, Ct);

        var text = await user.Api.PostAsync("/api/media", new StringContent("fileName=a.jpg"), Ct);
        var huge = await user.Api.PostAsync("/api/media", MediaClient.Json($$"""{ "fileName": "{{new string('a', 100_000)}}" }"""), Ct);

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, text.StatusCode);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, huge.StatusCode);
    }

    [Theory]
    [InlineData("GET", "/api/media/not-a-guid")]
    [InlineData("GET", "/api/media/00000000-0000-0000-0000-000000000000")]
    [InlineData("POST", "/api/media/12345/complete")]
    [InlineData("DELETE", "/api/media/b4a7e4b2-5b0e-4a57-9a8e-2f0f0e0f0e0f")]
    public async Task Unknown_or_malformed_ids_are_not_found(string method, string path)
    {
        using var user = await MediaClient.SignUpAsync(fixture, Ct);

        var response = await user.Api.SendAsync(new HttpRequestMessage(new HttpMethod(method), path), Ct);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Theory]
    [InlineData("/api/media?page=0", "page")]
    [InlineData("/api/media?pageSize=0", "pageSize")]
    [InlineData("/api/media?pageSize=1000", "pageSize")]
    [InlineData("/api/media?page=abc", "page")]
    public async Task Invalid_pages_are_bad_requests(string path, string named)
    {
        using var user = await MediaClient.SignUpAsync(fixture, Ct);

        var response = await user.Api.GetAsync(path, Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(named, await response.Content.ReadAsStringAsync(Ct));
    }

    [Theory]
    [InlineData("GET", "/api/media")]
    [InlineData("POST", "/api/media")]
    [InlineData("GET", "/api/media/b4a7e4b2-5b0e-4a57-9a8e-2f0f0e0f0e0f")]
    [InlineData("DELETE", "/api/media/b4a7e4b2-5b0e-4a57-9a8e-2f0f0e0f0e0f")]
    public async Task Without_a_token_the_api_answers_401(string method, string path)
    {
        using var anonymous = MediaClient.Anonymous(fixture);

        var response = await anonymous.SendAsync(new HttpRequestMessage(new HttpMethod(method), path), Ct);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task A_forged_token_is_refused()
    {
        using var client = MediaClient.Anonymous(fixture);
        client.DefaultRequestHeaders.Authorization = new("Bearer", "CfDJ8-not-a-real-token");

        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/media", Ct)).StatusCode);
    }

    [Fact]
    public async Task Too_many_writes_in_a_burst_get_429_with_retry_after_and_other_users_are_unaffected()
    {
        using var busy = await MediaClient.SignUpAsync(fixture, Ct);
        using var other = await MediaClient.SignUpAsync(fixture, Ct);

        var responses = await Task.WhenAll(Enumerable.Range(0, 45).Select(i =>
            busy.Api.PostAsJsonAsync("/api/media", new { fileName = $"f{i}.pdf", contentType = "application/pdf", size = 10 }, Ct)));

        var limited = responses.Where(r => r.StatusCode == HttpStatusCode.TooManyRequests).ToList();
        Assert.NotEmpty(limited);
        Assert.All(responses, r => Assert.Contains(r.StatusCode, new[] { HttpStatusCode.Created, HttpStatusCode.TooManyRequests }));
        Assert.All(limited, r => Assert.True(r.Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1), "Retry-After must be set"));
        Assert.Equal("application/problem+json", limited[0].Content.Headers.ContentType?.MediaType);

        // Reads are not limited, and the limit is per user.
        Assert.Equal(HttpStatusCode.OK, (await busy.Api.GetAsync("/api/media", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Created,
            (await other.Api.PostAsJsonAsync("/api/media", new { fileName = "calm.pdf", contentType = "application/pdf", size = 10 }, Ct)).StatusCode);
    }

    [Fact]
    public async Task Registering_with_a_weak_password_is_refused_and_a_wrong_password_cannot_sign_in()
    {
        using var anonymous = MediaClient.Anonymous(fixture);
        var email = $"weak-{Guid.NewGuid():N}@example.test";

        var weak = await anonymous.PostAsJsonAsync("/api/auth/register", new { email, password = "short" }, Ct);
        Assert.Equal(HttpStatusCode.BadRequest, weak.StatusCode);
        Assert.Contains("Password", await weak.Content.ReadAsStringAsync(Ct));

        using var user = await MediaClient.SignUpAsync(fixture, Ct);
        var wrong = await anonymous.PostAsJsonAsync("/api/auth/login", new { email = user.Email, password = "Wrong-Password-1" }, Ct);
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
    }

    [Fact]
    public async Task A_refresh_token_gets_a_new_access_token()
    {
        using var anonymous = MediaClient.Anonymous(fixture);
        using var user = await MediaClient.SignUpAsync(fixture, Ct);
        var login = await (await anonymous.PostAsJsonAsync("/api/auth/login", new { email = user.Email, password = MediaClient.Password }, Ct))
            .Content.ReadFromJsonAsync<Tokens>(Ct);

        var refreshed = await anonymous.PostAsJsonAsync("/api/auth/refresh", new { refreshToken = login!.RefreshToken }, Ct);

        Assert.Equal(HttpStatusCode.OK, refreshed.StatusCode);
        var tokens = await refreshed.Content.ReadFromJsonAsync<Tokens>(Ct);
        anonymous.DefaultRequestHeaders.Authorization = new("Bearer", tokens!.AccessToken);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/api/media", Ct)).StatusCode);
    }

    [Fact]
    public async Task The_openapi_document_describes_the_media_and_auth_endpoints()
    {
        using var anonymous = MediaClient.Anonymous(fixture);

        var document = await anonymous.GetStringAsync("/openapi/v1.json", Ct);

        Assert.Contains("\"/api/media\"", document);
        Assert.Contains("\"/api/media/{id}/complete\"", document);
        Assert.Contains("\"/api/auth/login\"", document);
    }

    private sealed record Tokens(string AccessToken, string RefreshToken);
}
