using System.Net;
using System.Net.Http.Json;
using Platform.Tests.Shared;

namespace Platform.Integration.Tests.Reliability;

/// <summary>
/// Postgres killed: the Api says so at once (503 with Retry-After, the health report naming the database) instead of
/// hanging, cached reads still work, and everything recovers by itself when Postgres is back.
/// </summary>
[Collection(nameof(Outages))]
public sealed class PostgresOutageTests(PlatformAppFixture fixture, ITestOutputHelper output) : OutageTest
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task When_postgres_is_killed_the_api_answers_503_with_retry_after_at_once_and_recovers_by_itself()
    {
        using var user = await MediaClient.SignUpAsync(fixture, Ct);
        using var anonymous = MediaClient.Anonymous(fixture);
        var cached = await user.UploadAsync("before.jpg", "image/jpeg", TestMedia.Jpeg(320, 240), Ct);
        Assert.Equal("ready", (await user.WaitUntilProcessedAsync(cached.Id, Ct)).Status);
        await using (var cache = await MediaCacheProbe.ConnectAsync(fixture, Ct))
        {
            await cache.ReadUntilCachedAsync(user, cached.Id, atLeast: 1, Ct);
        }

        await Outages.KillAsync(fixture.App, "postgres-server", Ct, processOnly: true); // the postmaster; its backends linger
        try
        {
            var create = await Outages.TimeAsync(t => user.Api.PostAsJsonAsync("/api/media", new { fileName = "during.jpg", contentType = "image/jpeg", size = 1000 }, t), Ct);
            var login = await Outages.TimeAsync(t => anonymous.PostAsJsonAsync("/api/auth/login", new { email = user.Email, password = MediaClient.Password }, t), Ct);
            var read = await Outages.TimeAsync(t => user.Api.GetAsync($"/api/media/{cached.Id}", t), Ct);
            var health = await Outages.TimeAsync(t => anonymous.GetAsync("/health", t), Ct);
            output.WriteLine($"Postgres down: POST /api/media {create}, POST /api/auth/login {login}, cached GET {read}, /health {health}");

            foreach (var (name, answer) in new[] { ("create", create), ("login", login) })
            {
                Assert.True(answer.Status == HttpStatusCode.ServiceUnavailable, $"{name} answered {answer}: {answer.Body}");
                Assert.True(answer.Elapsed < Outages.NoHang, $"{name} took {answer}");
                Assert.NotNull(answer.RetryAfter);
                var problem = Outages.Problem(answer);
                Assert.Equal(503, problem!.Status);
                Assert.Contains("database", problem.Detail);
            }

            Assert.Equal(HttpStatusCode.OK, read.Status);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, health.Status);
            var report = Outages.Health(health);
            Assert.Equal("Unhealthy", report.Entries["PlatformDbContext"].Status);
            Assert.Equal("Healthy", report.Entries["StackExchange.Redis"].Status);
            Assert.Equal("Healthy", report.Entries["storage"].Status);
        }
        finally
        {
            await ResourceControl.StartAsync(fixture.App, "postgres-server", Ct);
        }

        // Nobody restarts the Api: its circuit closes and its connection pool refills by itself.
        var recovered = System.Diagnostics.Stopwatch.StartNew();
        var again = await Eventually.ReturnsAsync(
            t => user.Api.PostAsJsonAsync("/api/media", new { fileName = "after.jpg", contentType = "image/jpeg", size = 1000 }, t),
            response => response.StatusCode == HttpStatusCode.Created, Outages.Recovery, Ct);
        output.WriteLine($"Postgres back: the Api created again {Outages.Seconds(recovered.Elapsed)} after Postgres was healthy");
        var after = await user.UploadAsync("after.jpg", "image/jpeg", TestMedia.Jpeg(320, 240), Ct);
        Assert.Equal("ready", (await user.WaitUntilProcessedAsync(after.Id, Ct)).Status);
        Assert.Equal(HttpStatusCode.Created, again.StatusCode);
    }
}
