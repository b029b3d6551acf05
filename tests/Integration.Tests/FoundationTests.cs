using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Platform.Tests.Shared;

namespace Platform.Integration.Tests;

/// <summary>The system as a user meets it on a fresh machine: every service up, every dependency reachable.</summary>
public sealed class FoundationTests(PlatformAppFixture fixture)
{
    private static readonly TimeSpan RoundTripTimeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Api_health_reports_every_dependency_healthy()
    {
        var report = await GetHealthAsync("api");

        Assert.Equal("Healthy", report.Status);
        Assert.Superset(new HashSet<string> { "PlatformDbContext", "PlatformReadDbContext", "StackExchange.Redis", "storage", "messaging" }, report.Entries.Keys.ToHashSet());
        Assert.All(report.Entries, entry => Assert.Equal("Healthy", entry.Value.Status));
    }

    [Theory]
    [InlineData("worker", new[] { "WorkerDbContext", "storage", "messaging" })]
    [InlineData("web", new[] { "StackExchange.Redis" })]
    public async Task Each_service_reports_its_dependencies_healthy(string service, string[] dependencies)
    {
        var report = await GetHealthAsync(service);

        Assert.Equal("Healthy", report.Status);
        Assert.Superset(dependencies.ToHashSet(), report.Entries.Keys.ToHashSet());
    }

    [Fact]
    public async Task A_message_the_api_sends_is_received_by_the_worker_in_the_same_trace()
    {
        var ct = TestContext.Current.CancellationToken;
        using var user = await MediaClient.SignUpAsync(fixture, ct);
        var api = user.Api;

        var sent = await api.PostAsync("/api/diagnostics/pings", content: null, ct);
        Assert.Equal(HttpStatusCode.Accepted, sent.StatusCode);
        var ping = await sent.Content.ReadFromJsonAsync<Ping>(ct);
        Assert.NotNull(ping);

        var received = await Eventually.ReturnsAsync(
            async token => await api.GetFromJsonAsync<Ping>($"/api/diagnostics/pings/{ping.Id}", token),
            p => p?.ReceivedAt is not null,
            RoundTripTimeout,
            ct);

        Assert.NotNull(received!.SentTraceId);
        Assert.Equal(received.SentTraceId, received.ReceivedTraceId);
    }

    [Fact]
    public async Task An_unknown_ping_is_not_found()
    {
        using var user = await MediaClient.SignUpAsync(fixture, TestContext.Current.CancellationToken);
        var response = await user.Api.GetAsync($"/api/diagnostics/pings/{Guid.NewGuid()}", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task Web_answers_with_the_home_page()
    {
        var html = await fixture.CreateClient("web").GetStringAsync("/", TestContext.Current.CancellationToken);

        Assert.Contains("Your media library", html);
    }

    private async Task<HealthReport> GetHealthAsync(string service)
    {
        var response = await fixture.CreateClient(service).GetAsync("/health", TestContext.Current.CancellationToken);
        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        return JsonSerializer.Deserialize<HealthReport>(body, new JsonSerializerOptions(JsonSerializerDefaults.Web))
            ?? throw new InvalidOperationException($"{service}/health answered {(int)response.StatusCode}: {body}");
    }

    private sealed record HealthReport(string Status, Dictionary<string, HealthEntry> Entries);

    private sealed record HealthEntry(string Status);

    private sealed record Ping(Guid Id, DateTimeOffset SentAt, DateTimeOffset? ReceivedAt, string? SentTraceId, string? ReceivedTraceId);
}
