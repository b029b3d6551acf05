using System.Globalization;
using System.Net;
using System.Text;
using Platform.Tests.Shared;

namespace Platform.Integration.Tests.Reliability;

/// <summary>
/// Under a steady upload load, each dependency in turn is killed (kill -9 of its process tree: a crash, not a polite
/// stop) and started again through the AppHost: the Worker in the middle of a thumbnail, Redis, Postgres and the S3/SQS
/// emulator. What must hold: every upload that got a 202 ends ready, none is lost, none is seen going back (processed
/// twice), and during every outage the Api answers fast — 2xx or 503, never a 500, never a hang. The emulator keeps its
/// objects and messages in memory only (S3 and SQS never lose them; fauxqs has no persistence), so after its crash only
/// the uploads accepted once it is back must end ready: those accepted before it lost their bytes and messages with it.
/// The figures (uploads, ready, lost, latency during each outage) are printed; only the "no hang" bound is asserted on time.
/// </summary>
[Collection(nameof(Outages))]
public sealed class ChaosTests(PlatformAppFixture fixture, ITestOutputHelper output) : OutageTest
{
    /// <summary>Api calls the load must have made while a dependency is down: the length of each outage.</summary>
    private const int CallsDuringOutage = 24;

    /// <summary>
    /// How long the uploads accepted in a phase may take to be ready after the dependency is back. A killed Worker's
    /// message stays hidden for its visibility timeout (10 s in the tests), and a restarted Worker needs several seconds
    /// to start on two busy cores; 90 s is far beyond both.
    /// </summary>
    private static readonly TimeSpan ProcessingDeadline = TimeSpan.FromSeconds(90);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Under_upload_load_every_dependency_crashes_and_restarts_and_no_accepted_upload_is_lost()
    {
        var users = new[] { await MediaClient.SignUpAsync(fixture, Ct), await MediaClient.SignUpAsync(fixture, Ct) };
        var image = TestMedia.Jpeg(640, 480);
        var large = TestMedia.Jpeg(4000, 3000);
        var phases = new (string Name, Func<UploadLoad, Task<string>> Crash, string Resource, bool KeepsState)[]
        {
            ("worker", load => KillWorkerMidThumbnailAsync(users[0], large, load), "worker", true),
            ("redis", load => KillAsync("redis"), "redis", true),
            ("postgres", load => KillAsync("postgres-server", processOnly: true), "postgres-server", true),
            ("s3/sqs emulator", load => KillAsync("aws-emulator"), "aws-emulator", false),
        };

        var results = new List<PhaseResult>();
        try
        {
            foreach (var (name, crash, resource, keepsState) in phases)
            {
                var load = new UploadLoad(users, image);
                load.Start();
                await load.WaitForAcceptedAsync(3, Ct); // the system works before the fault

                var down = load.Now;
                var how = await crash(load);
                await load.WaitForCallsAsync(CallsDuringOutage, Ct);
                await ResourceControl.StartAsync(fixture.App, resource, Ct);
                var back = load.Now;
                await load.WaitForAcceptedAsync(3, Ct); // ...and after it, without anything restarted but the resource
                await load.StopAsync();

                var mustFinishFrom = keepsState ? TimeSpan.Zero : back;
                var lost = await load.WaitUntilProcessedAsync(ProcessingDeadline, mustFinishFrom, Ct);
                results.Add(new PhaseResult(name, how, load, down, back, mustFinishFrom, lost));
            }
        }
        finally
        {
            var table = Table(results);
            output.WriteLine(table);
            Fuzz.Figures.Write("chaos", "Chaos (ChaosTests): uploads under load while each dependency is killed and started again\n" + table.TrimEnd());
            foreach (var user in users)
            {
                user.Dispose();
            }
        }

        Assert.Equal(phases.Length, results.Count);
        Assert.All(results, r =>
        {
            Assert.True(r.Lost.Count == 0, $"{r.Name}: {r.Lost.Count} accepted upload(s) never finished: {string.Join(", ", r.Lost.Select(u => $"{u.Id} ({u.Status})"))}");
            Assert.All(r.Load.Accepted.Where(u => u.AcceptedAt >= r.MustFinishFrom), u => Assert.True(u.Status == "ready", $"{r.Name}: {u.Id} ended {u.Status}"));
            Assert.All(r.Load.Accepted, u => Assert.False(u.WentBack(), $"{r.Name}: {u.Id} was seen {string.Join(" → ", u.Seen)}"));
            Assert.All(r.Load.Calls, c => Assert.True(
                c.Answer.Status is HttpStatusCode.ServiceUnavailable || (c.Answer.Status is { } s && (int)s < 500),
                $"{r.Name}: {c.Name} at {Outages.Seconds(c.At)} answered {c.Answer}: {c.Answer.Body}"));
            Assert.All(r.Load.Calls, c => Assert.True(c.Answer.Elapsed < Outages.NoHang, $"{r.Name}: {c.Name} took {c.Answer}"));
            Assert.True(r.Load.Accepted.Count(u => u.AcceptedAt >= r.MustFinishFrom) > 0, $"{r.Name}: no upload was accepted");
        });
    }

    /// <summary>Kills the Worker while it makes the thumbnails of a 12-megapixel photo (seen as "processing").</summary>
    private async Task<string> KillWorkerMidThumbnailAsync(MediaClient user, byte[] large, UploadLoad load)
    {
        for (var attempt = 1; attempt <= 5; attempt++)
        {
            var created = await user.UploadAsync($"large-{attempt}.jpg", "image/jpeg", large, Ct);
            load.Track(user, created.Id);
            var seen = await Eventually.ReturnsAsync(t => user.GetAsync(created.Id, t), i => i.Status is "processing" or "ready" or "failed", TimeSpan.FromSeconds(60), Ct);
            if (seen.Status == "processing")
            {
                await Outages.KillAsync(fixture.App, "worker", Ct);
                return $"killed mid-thumbnail (attempt {attempt})";
            }
        }

        await Outages.KillAsync(fixture.App, "worker", Ct);
        return "killed (never caught mid-thumbnail in 5 tries)";
    }

    private async Task<string> KillAsync(string resource, bool processOnly = false)
    {
        await Outages.KillAsync(fixture.App, resource, Ct, processOnly);
        return processOnly ? "kill -9 of the postmaster" : "kill -9";
    }

    private static string Table(List<PhaseResult> results)
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"{"fault",-16} {"uploads",7} {"202",5} {"ready",5} {"failed",6} {"lost",4} | {"calls down",10} {"2xx",4} {"503",4} {"other",5} {"p95 down",9} {"max down",9} | how");
        foreach (var r in results)
        {
            var down = r.Load.Calls.Where(c => c.At >= r.Down && c.At <= r.Back).ToList();
            var latencies = down.Select(c => c.Answer.Elapsed).Order().ToList();
            var p95 = latencies.Count == 0 ? TimeSpan.Zero : latencies[(int)Math.Ceiling(latencies.Count * 0.95) - 1];
            var max = latencies.Count == 0 ? TimeSpan.Zero : latencies[^1];
            text.AppendLine(CultureInfo.InvariantCulture,
                $"{r.Name,-16} {r.Load.Attempts,7} {r.Load.Accepted.Count,5} {r.Load.Accepted.Count(u => u.Status == "ready"),5} {r.Load.Accepted.Count(u => u.Status == "failed"),6} {r.Lost.Count,4} | " +
                $"{down.Count,10} {down.Count(c => c.Answer.Status is { } s && (int)s is >= 200 and < 300),4} {down.Count(c => c.Answer.Status == HttpStatusCode.ServiceUnavailable),4} " +
                $"{down.Count(c => c.Answer.Status is not { } s || ((int)s >= 300 && s != HttpStatusCode.ServiceUnavailable)),5} {Outages.Seconds(p95),9} {Outages.Seconds(max),9} | {r.How}, down {Outages.Seconds(r.Back - r.Down)}{Forgotten(r)}");
        }

        return text.ToString();
    }

    /// <summary>The uploads accepted before a crash of a resource that keeps no state and not ready, as a note.</summary>
    private static string Forgotten(PhaseResult r)
    {
        var forgotten = r.Load.Accepted.Count(u => u.AcceptedAt < r.MustFinishFrom && u.Status != "ready");
        return r.MustFinishFrom == TimeSpan.Zero ? "" : $", {forgotten} accepted before it lost with its memory";
    }

    /// <param name="MustFinishFrom">Uploads accepted from then on (on the load's clock) must end ready.</param>
    private sealed record PhaseResult(string Name, string How, UploadLoad Load, TimeSpan Down, TimeSpan Back, TimeSpan MustFinishFrom, IReadOnlyList<AcceptedUpload> Lost);
}
