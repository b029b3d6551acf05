using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Aspire.Hosting.Testing;

namespace Platform.Integration.Tests.Security;

/// <summary>
/// Clients of the Api's account endpoints, each from an address of its own. The Api counts sign-in attempts per client
/// address, which it takes from X-Forwarded-For only when a trusted proxy sends it: loopback, where Web (and, in AWS, the
/// load balancer) stands in front of it. The tests reach the Api over loopback, so they stand where that proxy stands
/// and tell the Api which client they are forwarding; a header from anywhere else is ignored.
/// </summary>
public static class SignInClients
{
    private static int s_next = Random.Shared.Next(1, 200) * 250;

    /// <summary>A client at an address no other test uses (in 198.18.0.0/15, reserved for network tests: never a real client).</summary>
    public static HttpClient FromNewAddress(PlatformAppFixture fixture) => FromAddress(fixture, NewAddress());

    public static HttpClient FromAddress(PlatformAppFixture fixture, string address)
    {
        var client = new HttpClient { BaseAddress = fixture.App.GetEndpoint("api", "http"), Timeout = TimeSpan.FromSeconds(60) };
        client.DefaultRequestHeaders.Add("X-Forwarded-For", address);
        return client;
    }

    public static string NewAddress()
    {
        var n = Interlocked.Increment(ref s_next);
        return $"198.{18 + (n / 65_536 % 2)}.{n / 256 % 256}.{n % 256}";
    }

    public static async Task<string> RegisterAsync(HttpClient api, CancellationToken ct)
    {
        var email = $"user-{Guid.NewGuid():N}@example.test";
        var registered = await api.PostAsJsonAsync("/api/auth/register", new { email, password = MediaClient.Password }, ct);
        Assert.True(registered.StatusCode == HttpStatusCode.OK, await registered.Content.ReadAsStringAsync(ct));
        return email;
    }

    public static async Task<Tokens> LoginAsync(HttpClient api, string email, CancellationToken ct)
    {
        var login = await api.PostAsJsonAsync("/api/auth/login", new { email, password = MediaClient.Password }, ct);
        Assert.True(login.StatusCode == HttpStatusCode.OK, $"{(int)login.StatusCode}: {await login.Content.ReadAsStringAsync(ct)}");
        return (await login.Content.ReadFromJsonAsync<Tokens>(ct))!;
    }

    public static async Task<Problem> AssertProblemAsync(HttpResponseMessage response, HttpStatusCode expected, CancellationToken ct)
    {
        var body = await response.Content.ReadAsStringAsync(ct);
        Assert.True(expected == response.StatusCode, $"expected {(int)expected}, got {(int)response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonSerializer.Deserialize<Problem>(body, JsonSerializerOptions.Web)!;
        Assert.Equal((int)expected, problem.Status);
        Assert.False(string.IsNullOrWhiteSpace(problem.Title ?? problem.Detail), body);
        return problem;
    }

    public sealed record Tokens(string AccessToken, string RefreshToken);
}
