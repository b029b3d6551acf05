using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using Aspire.Hosting;
using Aspire.Hosting.Testing;
using Platform.Tests.Shared;

namespace Platform.Integration.Tests.Reliability;

/// <summary>
/// Tests that take a shared dependency away (Redis, Postgres, the queue, the emulator) run alone, after every other
/// test: xunit runs a collection with parallelization disabled by itself.
/// </summary>
[CollectionDefinition(nameof(Outages), DisableParallelization = true)]
public sealed class Outages
{
    /// <summary>
    /// The longest any Api call may take during an outage before we call it a hang. A normal call takes tens of
    /// milliseconds and a 503 is meant to come within 2 s; before this work the same calls took 10–40 s. Five seconds
    /// leaves room for a loaded two-core machine and still catches every hang we know of.
    /// </summary>
    public static readonly TimeSpan NoHang = TimeSpan.FromSeconds(5);

    /// <summary>How long a dependency that is back may take to be used again (circuits close, pools refill).</summary>
    public static readonly TimeSpan Recovery = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Kills the resource's process and everything it started (kill -9: a crash, no chance to clean up). With
    /// <paramref name="processOnly"/>, only the process itself: a killed postmaster leaves its backends behind for a
    /// moment, as in a real crash, and the next start has to cope with them.
    /// </summary>
    public static async Task KillAsync(DistributedApplication app, string resource, CancellationToken ct, bool processOnly = false)
    {
        var pid = ResourceControl.ProcessId(app, resource);
        Signal("KILL", processOnly ? [pid] : [.. Descendants(pid).Prepend(pid)]);
        await ResourceControl.WaitUntilDownAsync(app, resource, ct);
    }

    /// <summary>Freezes the resource's process (SIGSTOP): it keeps its connections and its data, but answers nothing.</summary>
    public static void Freeze(DistributedApplication app, string resource) => Signal("STOP", ResourceControl.ProcessId(app, resource));

    public static void Thaw(DistributedApplication app, string resource) => Signal("CONT", ResourceControl.ProcessId(app, resource));

    /// <summary>Runs an Api call and measures it; a call that needs longer than <see cref="NoHang"/> x 3 is cut off.</summary>
    public static async Task<TimedResponse> TimeAsync(Func<CancellationToken, Task<HttpResponseMessage>> call, CancellationToken ct)
    {
        using var cut = CancellationTokenSource.CreateLinkedTokenSource(ct);
        cut.CancelAfter(NoHang * 3);
        var watch = Stopwatch.StartNew();
        try
        {
            var response = await call(cut.Token);
            var body = await response.Content.ReadAsStringAsync(cut.Token);
            return new TimedResponse(response.StatusCode, watch.Elapsed, response.Headers.RetryAfter?.Delta, body);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return new TimedResponse(null, watch.Elapsed, null, "no answer (hang)");
        }
        catch (HttpRequestException ex)
        {
            return new TimedResponse(null, watch.Elapsed, null, $"connection failed: {ex.Message}");
        }
    }

    /// <summary>
    /// Waits until the Api, the Worker and Web each report every dependency healthy. A test that brought a dependency
    /// back returns once the dependency runs, but each service's client reconnects on its own schedule (Redis's a second
    /// or so later), and the next test must not begin while a service still works around the last outage.
    /// </summary>
    public static async Task WaitUntilServicesAreHealthyAsync(PlatformAppFixture fixture, CancellationToken ct)
    {
        foreach (var service in new[] { "api", "worker", "web" })
        {
            using var client = fixture.CreateClient(service);
            // Healthy, not just 200: a dependency a service can do without for a while (Redis) reports Degraded with a
            // 200 while the service is still reconnecting to it, and the next test would meet that.
            await Eventually.ReturnsAsync(async token => await TimeAsync(t => client.GetAsync("/health", t), token),
                answer => answer.Status == HttpStatusCode.OK && Health(answer).Status == "Healthy", Recovery, ct);
        }
    }

    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>A service's <c>/health</c> report: its status and each dependency's.</summary>
    public static HealthReport Health(TimedResponse answer) =>
        JsonSerializer.Deserialize<HealthReport>(answer.Body, Json) ?? throw new InvalidOperationException($"/health answered {answer}: {answer.Body}");

    public static Problem Problem(TimedResponse answer) =>
        JsonSerializer.Deserialize<Problem>(answer.Body, Json) ?? throw new InvalidOperationException($"{answer} has no ProblemDetails: {answer.Body}");

    public static string Seconds(TimeSpan time) => time.TotalSeconds.ToString("F2", CultureInfo.InvariantCulture) + " s";

    private static IEnumerable<int> Descendants(int pid)
    {
        var children = new List<int>();
        foreach (var task in Directory.Exists($"/proc/{pid}/task") ? Directory.GetDirectories($"/proc/{pid}/task") : [])
        {
            try
            {
                children.AddRange(File.ReadAllText(Path.Combine(task, "children"))
                    .Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(c => int.Parse(c, CultureInfo.InvariantCulture)));
            }
            catch (IOException)
            {
            }
        }

        return children.SelectMany(child => Descendants(child).Prepend(child));
    }

    private static void Signal(string signal, params int[] pids)
    {
        using var kill = Process.Start("kill", [$"-{signal}", .. pids.Select(p => p.ToString(CultureInfo.InvariantCulture))]);
        kill.WaitForExit();
    }
}

/// <summary>
/// A test that takes a dependency or a service away, and so runs alone (the <see cref="Outages"/> collection, and Web's
/// restart): it begins once every service is healthy again after the test before it.
/// </summary>
public abstract class OutageTest : IAsyncLifetime
{
    public async ValueTask InitializeAsync() => await Outages.WaitUntilServicesAreHealthyAsync(
        await TestContext.Current.GetFixture<PlatformAppFixture>() ?? throw new InvalidOperationException("The AppHost fixture is not attached to this test."),
        TestContext.Current.CancellationToken);

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}

/// <summary>An answer and how long it took; <see cref="Status"/> is null when there was none.</summary>
public sealed record TimedResponse(HttpStatusCode? Status, TimeSpan Elapsed, TimeSpan? RetryAfter, string Body)
{
    public override string ToString() => $"{(Status is { } s ? ((int)s).ToString(CultureInfo.InvariantCulture) : "none")} in {Outages.Seconds(Elapsed)}";
}

public sealed record HealthReport(string Status, Dictionary<string, HealthEntry> Entries);

public sealed record HealthEntry(string Status);
