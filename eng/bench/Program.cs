// The performance table eng/bench.sh prints: what users run, every row against a baseline measured in the same run on
// the same machine, so the ratios mean something on another machine too. Rows (BENCH_ONLY=row,row,… selects):
//   startup   eng/run.sh (built) → all resources healthy, against a bare Aspire app (eng/bench/Bare), alternated;
//             measured by eng/bench.sh with eng/measure-startup.sh and passed in.
//   list      GET /api/media?pageSize=20 with the services as in production: each service's published build (Release,
//             ReadyToRun, run from its publish folder, as the container image runs it), ASPNETCORE_ENVIRONMENT=Production,
//             telemetry exported over OTLP/gRPC (to a sink in this process that accepts and discards, as the collector
//             beside each AWS task would), the AWS task's OTel and console settings; wrk against bare Kestrel serving
//             the same JSON (eng/bench/Baseline).
//   devlist   the same list under eng/run.sh as a developer runs it (Debug, dashboard on, telemetry to the dashboard).
//   coldstart each service's own start (process start → /health answers 200, dependencies up), published as its image is
//             (Release, ReadyToRun), against a bare minimal API published and started the same way; with the Api's
//             start-up timeline.
//   worker    complete → ready for a 12-megapixel JPEG against the Worker's own thumbnailer in this process; 200 small
//             images against the same thumbnailer at the Worker's concurrency, their statuses asked for as the upload
//             page asks (one call per user for its uploads).
//   mixed     32 clients signed in as 8 users for 30 s, listing, opening and now and then uploading; then the resident
//             memory of each service.
// The production-like system (list, coldstart, worker, mixed) is the real AppHost under Aspire.Hosting.Testing (process
// runtime, throw-away data folder, no dashboard), started once.
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using NetVips;
using Platform.AppHost.Hosting;
using Platform.Worker.Features.Media;

const int BigRuns = 5;
const int SmallImages = 200;
const int Users = 20;
/// <summary>wrk's report, one line: throughput, latency percentiles (µs) and every kind of error (incl. non-2xx/3xx).</summary>
const string WrkReport = """
    done = function(summary, latency, requests)
      local e = summary.errors
      io.write(string.format("REPORT rps=%.2f p50=%d p95=%d p99=%d errors=%d requests=%d\n",
        summary.requests / (summary.duration / 1e6), latency:percentile(50), latency:percentile(95), latency:percentile(99),
        e.connect + e.read + e.write + e.status + e.timeout, summary.requests))
    end
    """;

var timeout = TimeSpan.FromMinutes(15);
var wrkSeconds = int.TryParse(Environment.GetEnvironmentVariable("BENCH_WRK_SECONDS"), out var configuredSeconds) ? configuredSeconds : 10;
var coldRuns = int.TryParse(Environment.GetEnvironmentVariable("BENCH_COLDSTART_RUNS"), out var configuredRuns) ? configuredRuns : 3;
var workerConcurrency = 2 * Environment.ProcessorCount; // QueueConsumer:MaxConcurrency's default
var only = (Environment.GetEnvironmentVariable("BENCH_ONLY") ?? "")
    .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToHashSet(StringComparer.OrdinalIgnoreCase);
bool Selected(string row) => only.Count == 0 || only.Contains(row);
using var cts = new CancellationTokenSource(timeout);
var ct = cts.Token;

var data = Directory.CreateTempSubdirectory("platform-bench-");
if (!OperatingSystem.IsWindows())
{
    // The postgres user runs the database when this runs as root: it must be able to enter the folder.
    File.SetUnixFileMode(data.FullName, (UnixFileMode)Convert.ToInt32("755", 8));
}

var luaFile = Path.Combine(data.FullName, "report.lua");
await File.WriteAllTextAsync(luaFile, WrkReport, ct);
var small = PhotoJpeg(640, 480, blue: 64, grain: 6);
using var storage = new HttpClient { Timeout = TimeSpan.FromMinutes(2) };
var rows = new List<Row>();
var profiles = new List<string>();
string? bigProfile = null, smallProfile = null;
MixedResult? mixed = null;
long otlpExports = 0, otlpBytes = 0;
var exitCode = 0;

// Start-up, measured by eng/bench.sh (eng/measure-startup.sh, alternating eng/run.sh and the bare Aspire app).
if (Environment.GetEnvironmentVariable("BENCH_STARTUP_SECONDS") is { Length: > 0 } realText
    && Environment.GetEnvironmentVariable("BENCH_STARTUP_BARE_SECONDS") is { Length: > 0 } bareText
    && double.TryParse(realText, CultureInfo.InvariantCulture, out var realStartup)
    && double.TryParse(bareText, CultureInfo.InvariantCulture, out var bareStartup))
{
    var ratio = realStartup / bareStartup;
    rows.Add(new Row("start-up: eng/run.sh (built) -> all resources healthy, median, alternated with the bare app",
        $"{realStartup:F1} s", $"bare Aspire app, 3 empty web projects + dashboard: {bareStartup:F1} s", ratio, "<= 1.3x", ratio <= 1.3));
    if (ratio > 1.3 && Environment.GetEnvironmentVariable("BENCH_STARTUP_PROFILE") is { Length: > 0 } profileFile && File.Exists(profileFile))
    {
        profiles.Add(
            "    start-up: where the time goes (eng/measure-startup.sh's last run of eng/run.sh)\n" + File.ReadAllText(profileFile).TrimEnd() + "\n" +
            "    what would close it: the critical path is DCP -> Postgres -> the migration step -> Api and Worker healthy, on two\n" +
            "    cores shared by 3 servers, the emulator, the migration step and 3 services (the bare app has 3 services); the\n" +
            "    services' own start is in the coldstart rows. The start is CPU-bound: less CPU is the lever, not the order\n" +
            "    (docs/performance.md, \"Where the Api's start-up goes\"). What is left is JIT work at every start: the\n" +
            "    AppHost's and the services' own code (Debug builds) and generic code no dependency's image holds.");
    }
}

if (Selected("list") || Selected("coldstart") || Selected("worker") || Selected("mixed"))
{
    // A stand-in for the OpenTelemetry collector beside each AWS task: OTLP over gRPC (the AWS task's protocol),
    // every export accepted and discarded. The services pay for their telemetry as in production; the sink's own cost
    // is reading the bytes.
    var sinkPort = FreePort();
    var sinkBuilder = WebApplication.CreateSlimBuilder();
    sinkBuilder.Logging.ClearProviders();
    sinkBuilder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, sinkPort, listen => listen.Protocols = HttpProtocols.Http2));
    await using var sink = sinkBuilder.Build();
    sink.MapPost("/{service}/{method}", async (HttpContext context) =>
    {
        var buffer = new byte[16 * 1024];
        int read;
        while ((read = await context.Request.Body.ReadAsync(buffer)) > 0)
        {
            Interlocked.Add(ref otlpBytes, read);
        }

        Interlocked.Increment(ref otlpExports);
        context.Response.ContentType = "application/grpc";
        await context.Response.Body.WriteAsync(new byte[5]); // an empty Export…ServiceResponse: uncompressed, length 0
        context.Response.AppendTrailer("grpc-status", "0");
    });
    await sink.StartAsync(ct);

    Console.WriteLine($"Starting the AppHost (the services as published, telemetry to an OTLP sink, data in {data.FullName}) …");
    var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.AppHost>(
        ["--Platform:LocalRuntime=processes", $"--Platform:DataDirectory={data.FullName}"],
        (options, _) => options.DisableDashboard = true, ct);
    builder.Services.AddLogging(logging => logging.ClearProviders()); // only the results on the console
    foreach (var project in builder.Resources.OfType<ProjectResource>().ToList())
    {
        var resource = builder.CreateResourceBuilder(project);
        // The build the container image carries (eng/bench.sh publishes it: Release, ReadyToRun), run from its publish
        // folder as the image runs it from /app; the AppHost runs the project's own build otherwise.
        if (Published(char.ToUpperInvariant(project.Name[0]) + project.Name[1..]) is { } binary)
        {
            resource.WithAnnotation(new ExecutableAnnotation { Command = binary, WorkingDirectory = Path.GetDirectoryName(binary)! });
        }

        // What the AWS task definition sets (AppHost/Aws/Translators/FargateServiceTranslator.cs): OTLP/gRPC to a
        // collector, warnings only on the console; the OTel SDK's own export intervals (Aspire's run mode shortens
        // them to 1 s for the dashboard); and the Production environment.
        resource.WithEnvironment("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:" + sinkPort.ToString(CultureInfo.InvariantCulture))
            .WithEnvironment("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc")
            .WithEnvironment("OTEL_BSP_SCHEDULE_DELAY", "5000")
            .WithEnvironment("OTEL_BLRP_SCHEDULE_DELAY", "5000")
            .WithEnvironment("OTEL_METRIC_EXPORT_INTERVAL", "60000")
            .WithEnvironment("Logging__Console__LogLevel__Default", "Warning")
            .WithEnvironment("ASPNETCORE_ENVIRONMENT", "Production")
            .WithEnvironment("DOTNET_ENVIRONMENT", "Production");
        // BENCH_SERVICE_ENV="Key=value;…": settings for every service, to compare variants while profiling.
        foreach (var setting in (Environment.GetEnvironmentVariable("BENCH_SERVICE_ENV") ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries))
        {
            resource.WithEnvironment(setting.Split('=', 2)[0], setting.Split('=', 2)[1]);
        }
    }

    // The Worker's line per image (where its time went) for the 12 MP row's profile: the console shows warnings only.
    builder.CreateResourceBuilder(builder.Resources.OfType<ProjectResource>().Single(p => p.Name == "worker"))
        .WithEnvironment($"Logging__Console__LogLevel__{typeof(MediaUploadedHandler).FullName}", "Information");

    // The load signs up 20 users at once from loopback: above the Api's production limit of sign-in attempts per address.
    builder.CreateResourceBuilder(builder.Resources.OfType<ProjectResource>().Single(p => p.Name == "api"))
        .WithEnvironment("Accounts__SignInLimits__AddressPermits", "200");

    await using var app = await builder.BuildAsync(ct);
    await app.StartAsync(ct);
    var model = app.Services.GetRequiredService<DistributedApplicationModel>();
    await StartupWaits.WaitUntilStartedAsync(app.ResourceNotifications, model.Resources, ct);
    var apiUrl = app.GetEndpoint("api", "http");
    var workerTimings = WatchWorkerTimings(app.Services.GetRequiredService<ResourceLoggerService>(), model.Resources.Single(r => r.Name == "worker"), ct);
    Console.WriteLine($"  services: {string.Join(", ", new[] { "Api", "Worker", "Web" }.Select(s => ServiceProcess(s) is { } p ? $"{s} {string.Join(' ', p.Command).Replace(Environment.CurrentDirectory + "/", "", StringComparison.Ordinal)}" : $"{s} ?"))}");
    try
    {
        if (Selected("list"))
        {
            var listRows = await ListRowsAsync($"list, production-like ({BuildShipped()}, OTLP export)", apiUrl, storage, small, data.FullName, luaFile, wrkSeconds, 0.4, profiles, ct);
            rows.AddRange(listRows);
            if (listRows[0].Met is false)
            {
                // The page's share of a request: pageSize=1 carries the same per-request work with almost no body.
                var pageShare = listRows[1].Ratio is > 0 && listRows[0].Ratio is > 0 ? 1 - listRows[0].Ratio!.Value / listRows[1].Ratio!.Value : double.NaN;
                profiles.Add(
                    $"    list (production-like): where the time goes: pageSize=1 is at {listRows[1].Ratio:F2}x and the 304 (no body) at\n" +
                    $"    {listRows[2].Ratio:F2}x, so writing the 30 KB page takes {pageShare:P0} of a full request and the rest is what every request\n" +
                    "    pays: the bearer token's validation, the owner's stamp in Redis, the rate limiter, ASP.NET Core's pipeline and\n" +
                    "    the request's trace and metrics; wrk and the bare baseline share the same 2 cores with Postgres, Redis and the\n" +
                    "    Worker. What would close it: a cheaper per-request path (caching the validated token, fewer spans and metric\n" +
                    "    points per request).");
            }
        }

        if (Selected("coldstart"))
        {
            var (coldRows, apiTimeline) = await ColdStartRowsAsync(coldRuns, ct);
            rows.AddRange(coldRows);
            profiles.Add(apiTimeline);
        }

        if (Selected("worker"))
        {
            // 3. A 12 MP JPEG: a gradient with film-grain noise, so it compresses like a photo rather than like a flat image.
            var big = PhotoJpeg(4000, 3000, blue: 96, grain: 24);
            var bigFile = Path.Combine(data.FullName, "12mp.jpg");
            await File.WriteAllBytesAsync(bigFile, big, ct);
            var thumbnailer = new ImageThumbnailer(new MediaProcessingOptions());
            thumbnailer.Process(bigFile, "image/jpeg"); // warm-up
            var raw = new List<double>();
            for (var i = 0; i < BigRuns; i++)
            {
                var started = Stopwatch.GetTimestamp();
                thumbnailer.Process(bigFile, "image/jpeg");
                raw.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }

            using var bigUser = await SignUpAsync(apiUrl, ct);
            await UploadAndWaitAsync(bigUser, storage, big, "warm-up.jpg", ct); // warm-up: JIT, connections, libvips
            var endToEnd = new List<double>();
            var completes = new List<double>();
            var bigIds = new List<Guid>();
            for (var i = 0; i < BigRuns; i++)
            {
                var (ms, completeMs, id) = await UploadAndWaitAsync(bigUser, storage, big, $"photo-{i}.jpg", ct);
                endToEnd.Add(ms);
                completes.Add(completeMs);
                bigIds.Add(id);
            }

            var rawMedian = Median(raw);
            var e2eMedian = Median(endToEnd);
            var bigRatio = e2eMedian / rawMedian;
            rows.Add(new Row($"12 MP JPEG ({big.Length / 1024.0 / 1024.0:F1} MiB), complete -> ready, median of {BigRuns}", $"{e2eMedian:F0} ms",
                $"Worker's thumbnailer in-process: {rawMedian:F0} ms", bigRatio, "<= 1.2x", bigRatio <= 1.2));
            if (bigRatio > 1.2)
            {
                try
                {
                    // Where the rest goes: the complete call as the client saw it, and the Worker's own line for each image. One
                    // more image is completed and not polled (its line is the signal), to tell the thumbnails' own cost in the
                    // Worker from the CPU the client's polling and the Api take from them.
                    var inWorker = await WorkerTimingsOfAsync(workerTimings, bigIds, ct);
                    var quietId = await CreateAndPutAsync(bigUser, storage, big, "photo-unpolled.jpg", ct);
                    (await bigUser.PostAsync($"/api/media/{quietId}/complete", null, ct)).EnsureSuccessStatusCode();
                    var quiet = (await WorkerTimingsOfAsync(workerTimings, [quietId], ct))[0];
                    // The run whose end-to-end time is the median, piece by piece: medians of each piece would not add up.
                    var medianRun = endToEnd.IndexOf(endToEnd.MinBy(ms => Math.Abs(ms - e2eMedian)));
                    var run = endToEnd[medianRun];
                    var worker = inWorker[medianRun];
                    var complete = completes[medianRun];
                    (string What, double Ms)[] pieces =
                    [
                        ("complete, as the client waits for it (the Api checks the upload, promotes it, commits the item and its message)", complete),
                        ($"the Worker's download of the {big.Length / 1024.0 / 1024.0:F1} MiB original to its temporary file", worker.Download),
                        ($"the Worker's header check and thumbnails (the bare thumbnailer: {rawMedian:F0} ms; one image not polled: {quiet.Thumbnails:F0} ms)", worker.Thumbnails),
                        ("the Worker's 2 thumbnail PUTs, in parallel", worker.Store),
                        ("the Worker's 2 row updates and cache stamps", Math.Max(0, worker.Total - worker.Download - worker.Thumbnails - worker.Store)),
                        ("the rest: the queue hop, the Worker's receive and row read, the client's polling every 20 ms and its status read", run - complete - worker.Total),
                    ];
                    var width = pieces.Max(p => p.What.Length);
                    bigProfile =
                        $"    12 MP: where the median run's {run:F0} ms go (the Worker's parts from its log line per image; the Worker may\n" +
                        "    start before complete's answer reaches the client, so the rest can be small or negative):\n" +
                        string.Concat(pieces.Select(p => $"      {p.What.PadRight(width)}  {p.Ms,4:F0} ms\n")) +
                        "    what would close it: cores the thumbnails need not share. Polled every 20 ms, the client, the Api and\n" +
                        "    Postgres take part of the 2 cores from them (the image not polled shows what is left without the polling,\n" +
                        "    and what else shares the machine), which the Worker's own ECS tasks avoid. The path around them, "
                        + $"{run - worker.Thumbnails:F0} ms here, is round trips:\n" +
                        "    the download and the decode do not overlap by design, since the Worker reads the original from a private\n" +
                        "    temporary file, so a stalled or dropped download is retried instead of reading as a damaged image.";
                }
                catch (TimeoutException ex)
                {
                    // The profile explains the row; without the Worker's lines the other rows still run.
                    bigProfile = $"    12 MP: no breakdown: {ex.Message}";
                }
            }

            // 4. 200 small images (640x480 JPEG), all uploaded first, then the clock runs from the first complete to the last
            //    ready; spread over 20 users, as real traffic is (and within each user's write limit). Baseline: the Worker's own
            //    thumbnailer on the same image, at the Worker's concurrency, in this process.
            var smallFiles = Enumerable.Range(0, SmallImages).Select(i => Path.Combine(data.FullName, $"small-{i}.jpg")).ToList();
            foreach (var file in smallFiles)
            {
                await File.WriteAllBytesAsync(file, small, ct);
            }

            await Parallel.ForEachAsync(smallFiles.Take(workerConcurrency * 2), new ParallelOptions { MaxDegreeOfParallelism = workerConcurrency },
                (file, _) => { thumbnailer.Process(file, "image/jpeg"); return ValueTask.CompletedTask; }); // warm-up
            var bareStart = Stopwatch.GetTimestamp();
            await Parallel.ForEachAsync(smallFiles, new ParallelOptions { MaxDegreeOfParallelism = workerConcurrency },
                (file, _) => { thumbnailer.Process(file, "image/jpeg"); return ValueTask.CompletedTask; });
            var bareSeconds = Stopwatch.GetElapsedTime(bareStart).TotalSeconds;

            var users = await Task.WhenAll(Enumerable.Range(0, Users).Select(_ => SignUpAsync(apiUrl, ct)));
            var uploads = await Task.WhenAll(users.Select(async user =>
            {
                var ids = new List<Guid>();
                for (var i = 0; i < SmallImages / Users; i++)
                {
                    ids.Add(await CreateAndPutAsync(user, storage, small, $"small-{i}.jpg", ct));
                }

                return (user, ids);
            }));
            var imageStart = Stopwatch.GetTimestamp();
            await Task.WhenAll(uploads.Select(async u =>
            {
                foreach (var id in u.ids)
                {
                    (await u.user.PostAsync($"/api/media/{id}/complete", null, ct)).EnsureSuccessStatusCode();
                }
            }));
            var failed = await WaitUploadsReadyAsync(uploads, ct);
            var imageSeconds = Stopwatch.GetElapsedTime(imageStart).TotalSeconds;

            var throughputRatio = (SmallImages / imageSeconds) / (SmallImages / bareSeconds);
            rows.Add(new Row($"{SmallImages} small images ({small.Length / 1024.0:F0} KiB, 640x480), complete -> all ready, {failed} not ready",
                $"{SmallImages / imageSeconds:F1} img/s", $"bare thumbnailer x{workerConcurrency}: {SmallImages / bareSeconds:F1} img/s", throughputRatio, ">= 0.8x", throughputRatio >= 0.8 && failed == 0));
            if (throughputRatio < 0.8)
            {
                var perImage = imageSeconds / SmallImages * 1000;
                var barePerImage = bareSeconds / SmallImages * 1000;
                smallProfile =
                    $"    where the time goes per image ({perImage:F0} ms vs {barePerImage:F0} ms bare at x{workerConcurrency}): the thumbnailer's CPU is shared\n" +
                    "    with the Api, Postgres, Redis, the emulator and the Worker's own S3/SQS/DB work on the same 2 cores; on 2 cores the\n" +
                    "    bare thumbnailer has both to itself. What would close it: a Worker on cores of its own (ECS tasks scale out).";
            }

        }

        if (Selected("mixed"))
        {
            mixed = await MixedLoadAsync(apiUrl, storage, small, ct);
            rows.Add(new Row("mixed load: 32 clients, 8 users, 30 s (list, open, upload now and then)",
                $"{mixed.RequestsPerSecond:F0} req/s, p95 {mixed.P95Ms:F1} ms, {mixed.Errors} errors", "-", null, "0 errors, all ready",
                mixed.Errors == 0 && mixed.NotReady == 0));
            var apiRss = mixed.WorkingSets["Api"];
            rows.Add(new Row($"resident memory of the Api after the mixed load ({BuildShipped()})", $"{apiRss} MB",
                $"Worker {mixed.WorkingSets["Worker"]} MB, Web {mixed.WorkingSets["Web"]} MB", null, "<= 300 MB", apiRss is > 0 and <= 300));
            if (apiRss > 300)
            {
                var kinds = mixed.ApiMemory is { } m
                    ? $"{m.AnonymousMb} MB anonymous (the GC's committed heap, native allocations, stacks), {m.FileMb} MB mapped files\n" +
                      $"    (assemblies with their ReadyToRun code, native libraries), {m.SharedMb} MB executable memory (JIT'ed code and stubs)"
                    : "not readable";
                profiles.Add(
                    $"    Api memory: {apiRss} MB resident: {kinds}.\n" +
                    "    what would close it (docs/performance.md, \"The Api's memory\"): about 185 MB of it is code and mapped files,\n" +
                    "    which less code loaded or compiled would lower. The GC settings measured moved it by 30–40 MB at most, each at a cost.");
            }
        }
    }
    finally
    {
        await app.StopAsync(CancellationToken.None);
        await sink.StopAsync(CancellationToken.None);
    }
}

if (Selected("devlist"))
{
    // The list as a developer sees it: eng/run.sh (Debug, the dashboard receiving every service's telemetry), with a
    // throw-away data folder of its own.
    var devData = Directory.CreateTempSubdirectory("platform-bench-dev-");
    if (!OperatingSystem.IsWindows())
    {
        File.SetUnixFileMode(devData.FullName, (UnixFileMode)Convert.ToInt32("755", 8));
    }

    Console.WriteLine("Starting eng/run.sh (Debug, dashboard on) …");
    var runLog = new System.Collections.Concurrent.ConcurrentQueue<string>();
    var run = Process.Start(new ProcessStartInfo("setsid", ["bash", "eng/run.sh", $"--Platform:DataDirectory={devData.FullName}"])
    {
        RedirectStandardOutput = true,
        RedirectStandardError = true,
        UseShellExecute = false,
    }) ?? throw new InvalidOperationException("Could not start eng/run.sh");
    run.OutputDataReceived += (_, e) => { if (e.Data is not null) { runLog.Enqueue(e.Data); } };
    run.ErrorDataReceived += (_, e) => { if (e.Data is not null) { runLog.Enqueue(e.Data); } };
    run.BeginOutputReadLine();
    run.BeginErrorReadLine();
    try
    {
        var deadline = Stopwatch.StartNew();
        while (!runLog.Any(l => l.Contains("resources are healthy", StringComparison.Ordinal)))
        {
            if (run.HasExited || deadline.Elapsed > TimeSpan.FromMinutes(4))
            {
                throw new InvalidOperationException("eng/run.sh did not become healthy:\n" + string.Join('\n', runLog.TakeLast(40)));
            }

            await Task.Delay(100, ct);
        }

        var devRows = await ListRowsAsync("list, developer's (eng/run.sh: Debug, dashboard)", new Uri("http://localhost:5200"), storage, small, devData.FullName, luaFile, wrkSeconds, 0.25, profiles, ct);
        rows.AddRange(devRows);
        if (devRows[0].Met is false)
        {
            profiles.Add(
                "    list (developer's): beyond the production-like row's per-request cost, Debug code (no JIT optimizations of\n" +
                "    the app's own code) and the dashboard receiving a trace, logs and metrics every second on the same 2 cores.");
        }
    }
    finally
    {
        // eng/run.sh runs in a session of its own (setsid): SIGTERM to its process group stops the AppHost, which stops the rest.
        if (!run.HasExited)
        {
            await TerminateAsync(run, [$"-{run.Id}"]);
        }

        try
        {
            devData.Delete(recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Postgres may still be flushing; the folder is in the temp directory.
        }
    }
}

Console.WriteLine();
Console.WriteLine($"machine: {Environment.ProcessorCount} cores, load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]} at the end; worker concurrency {workerConcurrency}" +
    (otlpExports > 0 ? $"; the OTLP sink received {otlpExports} exports, {otlpBytes / 1024} KiB" : ""));
Console.WriteLine();
Console.WriteLine($"{"what",-88} | {"measured",-44} | {"baseline in the same run",-56} | {"ratio",7} | {"goal",-10} | met");
Console.WriteLine(new string('-', 88) + "-+-" + new string('-', 44) + "-+-" + new string('-', 56) + "-+-" + new string('-', 7) + "-+-" + new string('-', 10) + "-+----");
foreach (var row in rows)
{
    Console.WriteLine($"{row.What,-88} | {row.Measured,-44} | {row.Baseline,-56} | {(row.Ratio is { } r ? $"{r:F2}x" : "-"),7} | {row.Goal,-10} | {(row.Met is { } met ? met ? "yes" : "NO" : "")}");
}

if (mixed is not null)
{
    Console.WriteLine();
    Console.WriteLine($"mixed load: {mixed.Requests} requests ({mixed.Uploads} uploads, all {(mixed.NotReady == 0 ? "ready" : $"but {mixed.NotReady} ready")} {mixed.ReadySeconds:F1} s after the load)," +
        $" p50 {mixed.P50Ms:F1} ms, p95 {mixed.P95Ms:F1} ms, p99 {mixed.P99Ms:F1} ms");
    Console.WriteLine($"resident memory after it: {string.Join(", ", mixed.WorkingSets.Select(w => $"{w.Key} {w.Value} MB"))}");
}

foreach (var profile in profiles.Append(bigProfile).Append(smallProfile))
{
    if (profile is not null)
    {
        Console.WriteLine();
        Console.WriteLine(profile);
    }
}

try
{
    data.Delete(recursive: true);
}
catch (Exception e) when (e is IOException or UnauthorizedAccessException)
{
    // Postgres may still be flushing; the folder is in the temp directory.
}

return rows.All(r => r.Met is not false) ? exitCode : 1;

/// <summary>A JPEG that compresses like a photo: a colour gradient with film-grain noise.</summary>
static byte[] PhotoJpeg(int width, int height, int blue, double grain)
{
    using var xy = Image.Xyz(width, height);
    using var gradient = (xy * new[] { 255.0 / width, 255.0 / height }).Bandjoin(Image.Black(width, height) + blue);
    using var noise = Image.Gaussnoise(width, height, sigma: grain);
    using var photo = (gradient + noise).Cast(Enums.BandFormat.Uchar);
    return photo.JpegsaveBuffer(q: 85);
}

static double Median(List<double> values)
{
    var sorted = values.Order().ToList();
    return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
}

static async Task<HttpClient> SignUpAsync(Uri apiUrl, CancellationToken ct)
{
    var client = new HttpClient { BaseAddress = apiUrl, Timeout = TimeSpan.FromMinutes(2) };
    var email = $"bench-{Guid.NewGuid():N}@example.test";
    const string password = "bench walrus under a quiet bridge"; // a passphrase the password policy (zxcvbn) accepts
    (await client.PostAsJsonAsync("/api/auth/register", new { email, password }, ct)).EnsureSuccessStatusCode();
    var login = await (await client.PostAsJsonAsync("/api/auth/login", new { email, password }, ct)).Content.ReadFromJsonAsync<Tokens>(ct);
    client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", login!.AccessToken);
    return client;
}

static async Task<Guid> CreateAndPutAsync(HttpClient api, HttpClient storage, byte[] bytes, string fileName, CancellationToken ct)
{
    var response = await WithinRateLimitAsync(() => api.PostAsJsonAsync("/api/media", new { fileName, contentType = "image/jpeg", size = bytes.Length }, ct), ct);
    if (response.StatusCode != HttpStatusCode.Created)
    {
        throw new InvalidOperationException($"create answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(ct)}");
    }

    var created = (await response.Content.ReadFromJsonAsync<Created>(ct))!;
    using var content = new ByteArrayContent(bytes);
    content.Headers.ContentType = new MediaTypeHeaderValue("image/jpeg");
    (await storage.PutAsync(created.UploadUrl, content, ct)).EnsureSuccessStatusCode();
    return created.Id;
}

/// <summary>
/// Milliseconds from sending complete to the first poll that sees the item ready (polling every 20 ms), and to complete's
/// answer.
/// </summary>
static async Task<(double Ms, double CompleteMs, Guid Id)> UploadAndWaitAsync(HttpClient api, HttpClient storage, byte[] bytes, string fileName, CancellationToken ct)
{
    var id = await CreateAndPutAsync(api, storage, bytes, fileName, ct);
    var started = Stopwatch.GetTimestamp();
    (await api.PostAsync($"/api/media/{id}/complete", null, ct)).EnsureSuccessStatusCode();
    var completeMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
    while (true)
    {
        var item = (await api.GetFromJsonAsync<MediaItem>($"/api/media/{id}", ct))!;
        if (item.Status == "ready")
        {
            return (Stopwatch.GetElapsedTime(started).TotalMilliseconds, completeMs, id);
        }

        if (item.Status == "failed")
        {
            throw new InvalidOperationException($"{fileName} failed: {item.FailureReason}");
        }

        await Task.Delay(20, ct);
    }
}

/// <summary>More writes than one user's burst allows (40 for 20 files): a 429 waits as long as it says, then tries again.</summary>
static async Task<HttpResponseMessage> WithinRateLimitAsync(Func<Task<HttpResponseMessage>> send, CancellationToken ct)
{
    while (true)
    {
        var response = await send();
        if (response.StatusCode != HttpStatusCode.TooManyRequests)
        {
            return response;
        }

        await Task.Delay(response.Headers.RetryAfter?.Delta ?? TimeSpan.FromSeconds(1), ct);
    }
}

/// <summary>Until every item of each user is ready or failed, read from the user's list every 100 ms.</summary>
static async Task WaitAllReadyAsync(IReadOnlyCollection<HttpClient> users, CancellationToken ct)
{
    var remaining = new HashSet<HttpClient>(users);
    while (remaining.Count > 0)
    {
        var pages = await Task.WhenAll(remaining.Select(async user => (user, (await user.GetFromJsonAsync<MediaPage>("/api/media?pageSize=100", ct))!)));
        remaining.ExceptWith(pages.Where(p => p.Item2.Items.All(i => i.Status is "ready" or "failed")).Select(p => p.user));
        if (remaining.Count > 0)
        {
            await Task.Delay(100, ct);
        }
    }
}

/// <summary>
/// Until every upload is ready or failed: each user asks for the statuses of its own uploads in one call every 100 ms,
/// as the upload page does (every second there). The gallery's list would render every item's URLs again after each
/// change, work the Api would do for the measurement, not for the uploads. Answers how many ended failed, from the
/// statuses it read last.
/// </summary>
static async Task<int> WaitUploadsReadyAsync(IReadOnlyCollection<(HttpClient User, List<Guid> Ids)> uploads, CancellationToken ct)
{
    var remaining = uploads.ToList();
    var failed = 0;
    while (remaining.Count > 0)
    {
        var answers = await Task.WhenAll(remaining.Select(async upload =>
            (upload, (await upload.User.GetFromJsonAsync<MediaStatuses>($"/api/media/status?ids={string.Join(',', upload.Ids)}", ct))!)));
        var done = answers.Where(a => a.Item2.Items.All(i => i.Status is "ready" or "failed")).ToList();
        failed += done.Sum(a => a.Item2.Items.Count(i => i.Status != "ready"));
        remaining = [.. answers.Except(done).Select(a => a.upload)];
        if (remaining.Count > 0)
        {
            await Task.Delay(100, ct);
        }
    }

    return failed;
}

/// <summary>The Worker's line per image ("Media … ready in … ms: …", MediaUploadedHandler), read from its console as it comes.</summary>
static System.Collections.Concurrent.ConcurrentDictionary<Guid, WorkerTiming> WatchWorkerTimings(ResourceLoggerService logs, IResource worker, CancellationToken ct)
{
    var timings = new System.Collections.Concurrent.ConcurrentDictionary<Guid, WorkerTiming>();
    _ = Task.Run(async () =>
    {
        try
        {
            await foreach (var batch in logs.WatchAsync(worker).WithCancellation(ct))
            {
                foreach (var line in batch)
                {
                    if (WorkerTiming.Parse(line.Content) is { } timing)
                    {
                        timings[timing.MediaId] = timing;
                    }
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (Exception ex)
        {
            Console.Error.WriteLine($"Reading the Worker's log failed, so the 12 MP profile will have no breakdown: {ex.Message}");
        }
    }, ct);
    return timings;
}

/// <summary>The Worker's lines for these items; each is written just after the item became ready, so it is waited for.</summary>
static async Task<List<WorkerTiming>> WorkerTimingsOfAsync(System.Collections.Concurrent.ConcurrentDictionary<Guid, WorkerTiming> timings, List<Guid> ids, CancellationToken ct)
{
    using var patience = CancellationTokenSource.CreateLinkedTokenSource(ct);
    patience.CancelAfter(TimeSpan.FromSeconds(30));
    while (!ids.All(timings.ContainsKey))
    {
        try
        {
            await Task.Delay(50, patience.Token);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new TimeoutException(
                $"the Worker's log has no timing line (MediaUploadedHandler's LogImageReady) for {ids.Count(id => !timings.ContainsKey(id))} of {ids.Count} items within 30 s.");
        }
    }

    return ids.Select(id => timings[id]).ToList();
}

static int FreePort()
{
    using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
    listener.Start();
    return ((IPEndPoint)listener.LocalEndpoint).Port;
}

/// <summary>The bare-Kestrel baseline (eng/bench/Baseline), built in the same configuration as this program.</summary>
static Process StartBaseline(string jsonFile, string url)
{
    var dll = Path.Combine(AppContext.BaseDirectory.Replace(Path.Combine("eng", "bench", "bin"), Path.Combine("eng", "bench", "Baseline", "bin")), "Baseline.dll");
    var start = new ProcessStartInfo("dotnet", ["exec", dll]) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
    start.Environment["BASELINE_JSON"] = jsonFile;
    start.Environment["BASELINE_URL"] = url;
    start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
    return Process.Start(start) ?? throw new InvalidOperationException($"Could not start {dll}");
}

static async Task WaitForHttpAsync(Uri url, CancellationToken ct)
{
    using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
    for (var i = 0; ; i++)
    {
        try
        {
            (await http.GetAsync(url, ct)).EnsureSuccessStatusCode();
            return;
        }
        catch (HttpRequestException) when (i < 100)
        {
            await Task.Delay(100, ct);
        }
    }
}

/// <summary>wrk (Debian's), one thread, 16 connections, a fixed duration; the Lua report gives throughput and percentiles.</summary>
static async Task<WrkResult> RunWrkAsync(string luaFile, string url, string[]? headers, int seconds, CancellationToken ct)
{
    var arguments = new List<string> { "-t1", "-c16", $"-d{seconds}s", "-s", luaFile };
    foreach (var header in headers ?? [])
    {
        arguments.Add("-H");
        arguments.Add(header);
    }

    arguments.Add(url);
    using var wrk = Process.Start(new ProcessStartInfo("wrk", arguments) { RedirectStandardOutput = true, UseShellExecute = false })
        ?? throw new InvalidOperationException("Could not start wrk");
    var output = await wrk.StandardOutput.ReadToEndAsync(ct);
    await wrk.WaitForExitAsync(ct);
    var line = output.Split('\n').LastOrDefault(l => l.StartsWith("REPORT ", StringComparison.Ordinal))
        ?? throw new InvalidOperationException($"wrk printed no report: {output}");
    var values = line["REPORT ".Length..].Split(' ').Select(p => p.Split('=')).ToDictionary(p => p[0], p => double.Parse(p[1], System.Globalization.CultureInfo.InvariantCulture));
    return new WrkResult(values["rps"], values["p50"] / 1000, values["p95"] / 1000, values["p99"] / 1000, (long)values["errors"], (long)values["requests"]);
}

/// <summary>
/// 32 clients, 4 per user for 8 users, for 30 s: each loop lists the first page, opens one of its items, and every 3 s
/// uploads a small image (create, PUT, complete: within the per-user write limit). Then waits for every upload to be ready.
/// </summary>
static async Task<MixedResult> MixedLoadAsync(Uri apiUrl, HttpClient storage, byte[] image, CancellationToken ct)
{
    const int UsersCount = 8, ClientsPerUser = 4;
    var duration = TimeSpan.FromSeconds(30);
    var users = await Task.WhenAll(Enumerable.Range(0, UsersCount).Select(_ => SignUpAsync(apiUrl, ct)));
    foreach (var user in users)
    {
        await CreateAndPutAsync(user, storage, image, "seed.jpg", ct).ContinueWith(async id => (await user.PostAsync($"/api/media/{await id}/complete", null, ct)).EnsureSuccessStatusCode(), ct).Unwrap();
    }

    await WaitAllReadyAsync(users, ct);
    var latencies = new System.Collections.Concurrent.ConcurrentBag<double>();
    var errors = 0;
    var uploads = 0;
    var started = Stopwatch.GetTimestamp();
    await Task.WhenAll(users.SelectMany(user => Enumerable.Range(0, ClientsPerUser).Select(client => Task.Run(async () =>
    {
        var random = new Random(client * 7919 + user.GetHashCode());
        var nextUpload = TimeSpan.FromSeconds(random.NextDouble() * 3);
        async Task<HttpResponseMessage?> TimedAsync(Func<Task<HttpResponseMessage>> send)
        {
            var t = Stopwatch.GetTimestamp();
            try
            {
                var response = await send();
                latencies.Add(Stopwatch.GetElapsedTime(t).TotalMilliseconds);
                if (!response.IsSuccessStatusCode)
                {
                    Interlocked.Increment(ref errors);
                }

                return response;
            }
            catch (HttpRequestException)
            {
                Interlocked.Increment(ref errors);
                return null;
            }
        }

        while (Stopwatch.GetElapsedTime(started) < duration)
        {
            using var list = await TimedAsync(() => user.GetAsync("/api/media?page=1&pageSize=20", ct));
            var page = list is { IsSuccessStatusCode: true } ? await list.Content.ReadFromJsonAsync<MediaPage>(ct) : null;
            if (page is { Items.Count: > 0 })
            {
                using var item = await TimedAsync(() => user.GetAsync($"/api/media/{page.Items[random.Next(page.Items.Count)].Id}", ct));
            }

            if (Stopwatch.GetElapsedTime(started) >= nextUpload)
            {
                nextUpload += TimeSpan.FromSeconds(3);
                using var created = await TimedAsync(() => user.PostAsJsonAsync("/api/media", new { fileName = "load.jpg", contentType = "image/jpeg", size = image.Length }, ct));
                if (created is { StatusCode: HttpStatusCode.Created } && await created.Content.ReadFromJsonAsync<Created>(ct) is { } ticket)
                {
                    using var content = new ByteArrayContent(image);
                    content.Headers.ContentType = new MediaTypeHeaderValue("image/jpeg");
                    using var put = await TimedAsync(() => storage.PutAsync(ticket.UploadUrl, content, ct));
                    using var complete = await TimedAsync(() => user.PostAsync($"/api/media/{ticket.Id}/complete", null, ct));
                    Interlocked.Increment(ref uploads);
                }
            }
        }
    }, ct))));
    var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;

    var readyStart = Stopwatch.GetTimestamp();
    await WaitAllReadyAsync(users, ct);
    var readySeconds = Stopwatch.GetElapsedTime(readyStart).TotalSeconds;
    var notReady = 0;
    foreach (var user in users)
    {
        notReady += (await user.GetFromJsonAsync<MediaPage>("/api/media?pageSize=100", ct))!.Items.Count(i => i.Status != "ready");
    }

    var sorted = latencies.Order().ToList();
    double Percentile(double p) => sorted.Count == 0 ? 0 : sorted[Math.Min(sorted.Count - 1, (int)(p / 100 * sorted.Count))];
    var workingSets = new Dictionary<string, long>();
    foreach (var service in new[] { "Api", "Worker", "Web" })
    {
        workingSets[service] = ServiceRssMegabytes(service);
    }

    var apiMemory = ServiceProcess("Api") is { } api
        ? new ResidentMemory(StatusKilobytes(api.Pid, "RssAnon") / 1024, StatusKilobytes(api.Pid, "RssFile") / 1024, StatusKilobytes(api.Pid, "RssShmem") / 1024)
        : null;
    return new MixedResult(sorted.Count, sorted.Count / seconds, Percentile(50), Percentile(95), Percentile(99), errors, uploads, notReady, readySeconds, workingSets, apiMemory);
}

/// <summary>Resident memory of the service's own process.</summary>
static long ServiceRssMegabytes(string service) => ServiceProcess(service) is { } process ? StatusKilobytes(process.Pid, "VmRSS") / 1024 : -1;

static long StatusKilobytes(int pid, string field)
{
    try
    {
        var line = File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith(field + ":", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
    }
    catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException)
    {
        return -1;
    }
}

/// <summary>The service's own process, found by its built binary's path: how it was started.</summary>
static ServiceLaunch? ServiceProcess(string service)
{
    // The project's build, or its published build (the production-like rows run that); the oldest such process is the
    // AppHost's, not a cold start's.
    var binary = $"{Path.DirectorySeparatorChar}{service}{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}";
    var published = Published(service);
    foreach (var dir in Directory.GetDirectories("/proc").Where(d => int.TryParse(Path.GetFileName(d), out _)).OrderBy(d => int.Parse(Path.GetFileName(d), CultureInfo.InvariantCulture)))
    {
        try
        {
            var command = File.ReadAllText(Path.Combine(dir, "cmdline")).Split('\0', StringSplitOptions.RemoveEmptyEntries);
            if (command.Length > 0 && (command[0].Contains(binary, StringComparison.Ordinal) || command[0] == published)
                && Path.GetFileName(command[0]) is var name && (name == service || name == service + ".dll"))
            {
                var environment = File.ReadAllText(Path.Combine(dir, "environ")).Split('\0', StringSplitOptions.RemoveEmptyEntries)
                    .Select(e => e.Split('=', 2)).Where(e => e.Length == 2).GroupBy(e => e[0]).ToDictionary(g => g.Key, g => g.Last()[1]);
                var cwd = new DirectoryInfo(Path.Combine(dir, "cwd")).LinkTarget ?? Environment.CurrentDirectory;
                return new ServiceLaunch(service, int.Parse(Path.GetFileName(dir), CultureInfo.InvariantCulture), command, cwd, environment);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }

    return null;
}

/// <summary>The bare-Kestrel baseline's built binary (eng/bench/Baseline), in the same configuration as this program.</summary>
static string BaselineBinary() =>
    Path.Combine(AppContext.BaseDirectory.Replace(Path.Combine("eng", "bench", "bin"), Path.Combine("eng", "bench", "Baseline", "bin")), "Baseline");

/// <summary>
/// Each service's own start, as ECS starts a task's process: from process start to /health answering 200 (every
/// dependency reachable), with the dependencies already up. The service is started again beside the running one with
/// the running one's command line and environment (so its configuration is the AppHost's), on a port of its own.
/// Baseline: the bare minimal API (eng/bench/Baseline) started the same way, alternated with the services.
/// </summary>
static async Task<(List<Row> Rows, string Profile)> ColdStartRowsAsync(int runs, CancellationToken ct)
{
    string[] services = ["Api", "Worker", "Web"];
    var launches = services.Select(s => AsPublished(ServiceProcess(s) ?? throw new InvalidOperationException($"{s}'s process not found"))).ToList();
    var bareBinary = Published("Baseline") ?? BaselineBinary();
    var bare = new ServiceLaunch("Baseline", 0, [bareBinary], Path.GetDirectoryName(bareBinary)!,
        new Dictionary<string, string>(Environment.GetEnvironmentVariables().Cast<System.Collections.DictionaryEntry>()
            .ToDictionary(e => (string)e.Key, e => (string)e.Value!))
        { ["ASPNETCORE_ENVIRONMENT"] = "Production" });
    var bareRuns = new List<ColdStart>();
    var serviceRuns = services.ToDictionary(s => s, _ => new List<ColdStart>());
    for (var i = 0; i < runs; i++)
    {
        bareRuns.Add(await ColdStartAsync(bare, [], ct));
        foreach (var launch in launches)
        {
            serviceRuns[launch.Service].Add(await ColdStartAsync(launch, [], ct));
        }
    }

    var bareMs = Median(bareRuns.Select(r => r.HealthyMs).ToList());
    var rows = new List<Row>();
    foreach (var service in services)
    {
        var ms = Median(serviceRuns[service].Select(r => r.HealthyMs).ToList());
        var cpu = Median(serviceRuns[service].Select(r => r.CpuSeconds).ToList());
        var ratio = ms / bareMs;
        rows.Add(new Row($"cold start: {service} (Release{(Published(service) is null ? "" : ", ReadyToRun")}) process start -> /health 200, median of {runs}", $"{ms:F0} ms ({cpu:F1} CPU-s)",
            $"bare minimal API: {bareMs:F0} ms ({Median(bareRuns.Select(r => r.CpuSeconds).ToList()):F1} CPU-s)", ratio,
            service == "Api" ? "<= 2x" : "report", service == "Api" ? ratio <= 2 : null));
    }

    // The Api's start-up timeline: one more start with the host's, EF Core's and the health checks' logs on the console,
    // each line stamped with the time since the process started; then the same start with the JIT settings varied.
    var api = launches[0];
    var traced = await ColdStartAsync(api, new Dictionary<string, string>
    {
        ["Logging__Console__FormatterName"] = "simple",
        ["Logging__Console__FormatterOptions__SingleLine"] = "true",
        ["Logging__Console__FormatterOptions__ColorBehavior"] = "Disabled",
        ["Logging__Console__LogLevel__Default"] = "Information",
        ["Logging__LogLevel__Default"] = "Information",
        ["Logging__LogLevel__Microsoft.Hosting"] = "Debug",
        ["Logging__LogLevel__Microsoft.EntityFrameworkCore.Infrastructure"] = "Debug",
        ["Logging__LogLevel__Microsoft.Extensions.Diagnostics.HealthChecks"] = "Debug",
        ["Logging__LogLevel__StackExchange.Redis"] = "Warning",
        ["Logging__LogLevel__Polly"] = "Warning",
    }, ct);
    var profile = new System.Text.StringBuilder();
    profile.AppendLine(CultureInfo.InvariantCulture, $"    Api start-up timeline (ms after process start; healthy at {traced.HealthyMs:F0} ms, first /health answer at {traced.FirstAnswerMs:F0} ms, {traced.CpuSeconds:F1} CPU-s):");
    // StackExchange.Redis logs its connection handshake line by line at Information; its total is enough here.
    foreach (var (at, line) in traced.Lines.Where(l => !l.Line.Contains("StackExchange.Redis", StringComparison.Ordinal) || l.Line.Contains("Total connect time", StringComparison.Ordinal)).Take(40))
    {
        profile.AppendLine(CultureInfo.InvariantCulture, $"      {at,7:F0}  {(line.Length > 150 ? line[..150] : line)}");
    }

    profile.AppendLine("    the same start with the JIT varied (1 run each):");
    foreach (var (name, settings) in new (string, Dictionary<string, string>)[]
    {
        ("as built", []),
        ("DOTNET_TieredPGO=0", new() { ["DOTNET_TieredPGO"] = "0" }),
        ("DOTNET_TieredCompilation=0", new() { ["DOTNET_TieredCompilation"] = "0" }),
        ("DOTNET_ReadyToRun=0 (no precompiled framework code)", new() { ["DOTNET_ReadyToRun"] = "0" }),
    })
    {
        var run = await ColdStartAsync(api, settings, ct);
        profile.AppendLine(CultureInfo.InvariantCulture, $"      {name,-52} healthy at {run.HealthyMs,6:F0} ms, {run.CpuSeconds:F1} CPU-s");
    }

    profile.AppendLine(await JitCompiledAtStartAsync(api, ct));
    profile.AppendLine(
        "    what would shorten it (docs/performance.md, \"Where the Api's start-up goes\"): the generic code above precompiled,\n" +
        "    which needs the app and the framework compiled together. A self-contained composite ReadyToRun image started about\n" +
        "    a fifth sooner (still about 5x). Native AOT would need no JIT, but the Api does not start under it: EF Core's\n" +
        "    support is experimental and does not reach Identity's queries.");

    if (Environment.GetEnvironmentVariable("BENCH_DOTNET_TRACE") is { Length: > 0 } tool && File.Exists(tool))
    {
        profile.AppendLine(await TracedStartAsync(api, tool, ct));
    }

    return (rows, profile.ToString().TrimEnd());
}

/// <summary>
/// The service's published build (eng/bench.sh publishes each with ReadyToRun code, as its container image is built), run
/// from its publish folder as the image runs it from /app; the running build when there is none.
/// </summary>
static ServiceLaunch AsPublished(ServiceLaunch launch) =>
    Published(launch.Service) is { } binary
        ? launch with { Command = [binary, .. launch.Command.Skip(1)], WorkingDirectory = Path.GetDirectoryName(binary)! }
        : launch;

// What the production-like rows ran: the published builds, or the projects' Release builds where eng/bench.sh published none.
static string BuildShipped() => Published("Api") is null ? "Release" : "published";

static string? Published(string service) =>
    Environment.GetEnvironmentVariable("BENCH_PUBLISHED_DIR") is { Length: > 0 } dir && Path.Combine(dir, service, service) is var binary && File.Exists(binary)
        ? binary
        : null;

static async Task<ColdStart> ColdStartAsync(ServiceLaunch launch, Dictionary<string, string> extra, CancellationToken ct, bool wrapped = false, TaskCompletionSource<bool>? stopGracefully = null)
{
    var port = FreePort();
    var start = new ProcessStartInfo(launch.Command[0], launch.Command.Skip(1))
    {
        WorkingDirectory = launch.WorkingDirectory,
        UseShellExecute = false,
        RedirectStandardOutput = true,
        RedirectStandardError = true,
    };
    start.Environment.Clear();
    foreach (var (key, value) in launch.Environment.Concat(extra))
    {
        start.Environment[key] = value;
    }

    foreach (var key in new[] { "HTTP_PORTS", "HTTPS_PORTS", "ASPNETCORE_HTTP_PORTS", "ASPNETCORE_HTTPS_PORTS" })
    {
        start.Environment.Remove(key);
    }

    start.Environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}";
    start.Environment["BASELINE_URL"] = $"http://127.0.0.1:{port}";
    var lines = new System.Collections.Concurrent.ConcurrentQueue<(double, string)>();
    var clock = Stopwatch.StartNew();
    using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {launch.Command[0]}");
    process.OutputDataReceived += (_, e) => { if (e.Data is { Length: > 0 }) { lines.Enqueue((clock.Elapsed.TotalMilliseconds, e.Data)); } };
    process.ErrorDataReceived += (_, e) => { if (e.Data is { Length: > 0 }) { lines.Enqueue((clock.Elapsed.TotalMilliseconds, e.Data)); } };
    process.BeginOutputReadLine();
    process.BeginErrorReadLine();
    using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
    double? firstAnswer = null;
    try
    {
        while (true)
        {
            if (process.HasExited || clock.Elapsed > TimeSpan.FromMinutes(2))
            {
                throw new InvalidOperationException($"{launch.Service} did not become healthy:\n" + string.Join('\n', lines.TakeLast(30).Select(l => l.Item2)));
            }

            try
            {
                using var response = await http.GetAsync($"http://127.0.0.1:{port}/health", ct);
                firstAnswer ??= clock.Elapsed.TotalMilliseconds;
                if (response.IsSuccessStatusCode)
                {
                    break;
                }
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException) when (!ct.IsCancellationRequested)
            {
            }

            await Task.Delay(20, ct);
        }

        var healthy = clock.Elapsed.TotalMilliseconds;
        return new ColdStart(healthy, firstAnswer ?? healthy, CpuSeconds(process.Id), [.. lines]);
    }
    finally
    {
        if (wrapped)
        {
            // A wrapper (dotnet-trace) runs the service as its child: the service stops as ECS stops it, and the wrapper
            // finishes its work before it exits.
            await TerminateAsync(process, File.ReadAllText($"/proc/{process.Id}/task/{process.Id}/children").Split(' ', StringSplitOptions.RemoveEmptyEntries));
        }
        else if (stopGracefully is not null)
        {
            // What the runtime writes to files is complete once it exits; the caller learns whether it exited by itself.
            try
            {
                stopGracefully.TrySetResult(process.HasExited || await TerminateAsync(process, [process.Id.ToString(CultureInfo.InvariantCulture)]));
            }
            catch (System.ComponentModel.Win32Exception)
            {
                stopGracefully.TrySetResult(false);
            }
        }

        process.Kill(entireProcessTree: true);
        await process.WaitForExitAsync(CancellationToken.None);
    }
}

/// <summary>
/// Sends SIGTERM to <paramref name="targets"/> (process IDs, or a process group as its negated ID), as ECS stops a task,
/// and waits up to 60 s for <paramref name="process"/> to exit; true when it did.
/// </summary>
static async Task<bool> TerminateAsync(Process process, IReadOnlyCollection<string> targets)
{
    if (targets.Count > 0)
    {
        Process.Start("kill", ["-TERM", "--", .. targets])?.WaitForExit();
    }

    using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(60));
    await process.WaitForExitAsync(grace.Token).ContinueWith(_ => { }, CancellationToken.None);
    return process.HasExited;
}

/// <summary>
/// What the JIT compiled during one more start of the Api and its stop, from the runtime's own list of the methods it
/// compiles (DOTNET_JitStdOutFile with DOTNET_JitDisasmSummary, one line per compilation), sorted by why no ReadyToRun
/// image held the method. A method compiled more than once (instrumented, then optimized, as it gets hot) counts once;
/// the further compilations are counted apart.
/// </summary>
static async Task<string> JitCompiledAtStartAsync(ServiceLaunch api, CancellationToken ct)
{
    var file = Path.Combine(Path.GetTempPath(), $"platform-bench-api-jit-{Environment.ProcessId}.txt");
    try
    {
        File.Delete(file);
        var stopped = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        var run = await ColdStartAsync(api, new() { ["DOTNET_JitStdOutFile"] = file, ["DOTNET_JitDisasmSummary"] = "1" }, ct, stopGracefully: stopped);
        // The runtime writes the list buffered: it is complete only once the process has exited by itself.
        if (!await stopped.Task || !File.Exists(file))
        {
            return "    methods the JIT compiled: no complete list (the Api did not exit within 60 s of SIGTERM, or wrote none)";
        }

        // "JIT compiled <method>(<parameters>) [<tier>, IL size=…, code size=…]"; the method with its parameters names
        // it, and a dynamic method's owner is "(dynamicClass)".
        const string Compiled = "JIT compiled ";
        const string DynamicOwner = "(dynamicClass)";
        var compilations = File.ReadAllLines(file).Where(l => l.Contains(Compiled, StringComparison.Ordinal))
            .Select(l => l[(l.IndexOf(Compiled, StringComparison.Ordinal) + Compiled.Length)..l.LastIndexOf(" [", StringComparison.Ordinal)])
            .ToList();
        static string Name(string signature)
        {
            var parameters = signature.IndexOf('(', signature.StartsWith(DynamicOwner, StringComparison.Ordinal) ? DynamicOwner.Length : 0);
            return parameters < 0 ? signature : signature[..parameters];
        }

        static bool Async(string m) => m.StartsWith("System.Runtime.CompilerServices.Async", StringComparison.Ordinal)
            || m.StartsWith("System.Runtime.CompilerServices.PoolingAsyncValueTaskMethodBuilder", StringComparison.Ordinal);
        static bool Stub(string m) => m.Contains("IL_STUB", StringComparison.Ordinal);
        // Expression trees and reflection invoke stubs show "(dynamicClass)" as their owner; the DI container's
        // IL-emitted resolvers show the type that emits them.
        static bool Generated(string m) => m.StartsWith(DynamicOwner, StringComparison.Ordinal)
            || m.StartsWith("Microsoft.Extensions.DependencyInjection.ServiceLookup.ILEmitResolverBuilder:", StringComparison.Ordinal);
        // A generic instantiation shows its type arguments in brackets in its name.
        static bool Generic(string m) => m.Contains('[', StringComparison.Ordinal);
        // Stubs and generated methods are compiled once each, but many print alike (every DI resolver has the same
        // signature), so each line is one; any other method is one per signature, its later lines its recompilations.
        var compiledOnce = compilations.ToLookup(c => Stub(Name(c)) || Generated(Name(c)));
        var once = compiledOnce[true].Select(Name).ToList();
        var tiered = compiledOnce[false].ToList();
        var tieredMethods = tiered.Distinct(StringComparer.Ordinal).Select(Name).ToList();
        var async = tieredMethods.Count(Async);
        var generic = tieredMethods.Count(m => !Async(m) && Generic(m));
        var stubs = once.Count(Stub);
        var generated = once.Count - stubs;
        var methods = tieredMethods.Count + once.Count;
        return string.Create(CultureInfo.InvariantCulture, $"""
                methods the JIT compiled in one more start (healthy at {run.HealthyMs:F0} ms) and its stop after healthy: {methods}
                  async plumbing: CoreLib's method builders and state machine boxes over another assembly's state machine  {async}
                  other generic code instantiated where no image holds it                                                {generic}
                  code generated at run time (expression trees, reflection invoke stubs, DI resolvers)                   {generated}
                  IL stubs (instantiating and interop marshalling)                                                        {stubs}
                  the rest (not precompiled, never precompiled such as AggressiveOptimization, or its code refused)      {tieredMethods.Count - async - generic}
                the same methods compiled again as they got hot (instrumented, then optimized): {tiered.Count - tieredMethods.Count}
            """);
    }
    finally
    {
        File.Delete(file);
    }
}

/// <summary>
/// The Api's start under dotnet-trace (stacks sampled at about 100 Hz on every thread, and the runtime's JIT and loader
/// events), from process start to healthy; then the methods longest on a stack, inclusive.
/// </summary>
static async Task<string> TracedStartAsync(ServiceLaunch launch, string tool, CancellationToken ct)
{
    var file = Path.Combine(Path.GetTempPath(), $"platform-bench-{launch.Service}-start.nettrace");
    var traced = launch with { Command = [tool, "collect", "--profile", "dotnet-sampled-thread-time,dotnet-common", "-o", file, "--", .. launch.Command] };
    var run = await ColdStartAsync(traced, [], ct, wrapped: true);
    return $"    {launch.Service} start under dotnet-trace (healthy at {run.HealthyMs:F0} ms with the tracing's own cost): methods longest on a stack, inclusive, all threads\n"
        + await TopMethodsAsync(tool, file, ["-n", "80", "--inclusive"], [], ct);
}

/// <summary>
/// Where a running service's CPU goes under a load: dotnet-trace samples it while <paramref name="load"/> runs, and the
/// methods that were on top of a running stack most often (exclusive) are listed.
/// </summary>
static async Task<string> TracedLoadAsync(ServiceLaunch service, string tool, Func<Task<WrkResult>> load, int loadSeconds, string title, CancellationToken ct)
{
    var file = Path.Combine(Path.GetTempPath(), $"platform-bench-{service.Service}-load.nettrace");
    // The session ends by itself (--duration) a little after the load: dotnet-trace reads no Enter from a redirected input.
    using var collect = Process.Start(new ProcessStartInfo(tool, ["collect", "-p", service.Pid.ToString(CultureInfo.InvariantCulture), "--profile", "dotnet-sampled-thread-time",
        "--duration", TimeSpan.FromSeconds(loadSeconds + 2).ToString(@"hh\:mm\:ss", CultureInfo.InvariantCulture), "-o", file])
    { RedirectStandardOutput = true, UseShellExecute = false })
        ?? throw new InvalidOperationException("Could not start dotnet-trace collect");
    await Task.Delay(TimeSpan.FromSeconds(1), ct); // the session attaches
    var run = await load();
    await collect.WaitForExitAsync(ct);
    return $"    {title} ({run.RequestsPerSecond:F0} req/s while sampled): methods most often on top of a running stack, exclusive\n"
        + await TopMethodsAsync(tool, file, ["-n", "120"], ["epoll"], ct);
}

/// <summary>
/// The first 30 lines (<c>BENCH_TOP</c>) of <c>dotnet-trace report topN</c> for a trace, without idle frames and
/// <paramref name="alsoLeftOut"/> (case-insensitive), each indented and cut at 160 characters; the trace file is deleted
/// after unless <c>BENCH_KEEP_TRACE</c> is set.
/// </summary>
static async Task<string> TopMethodsAsync(string tool, string file, string[] topArguments, string[] alsoLeftOut, CancellationToken ct)
{
    var report = Process.Start(new ProcessStartInfo(tool, ["report", file, "topN", .. topArguments]) { RedirectStandardOutput = true, UseShellExecute = false })
        ?? throw new InvalidOperationException("Could not start dotnet-trace report");
    var text = await report.StandardOutput.ReadToEndAsync(ct);
    await report.WaitForExitAsync(ct);
    // BENCH_KEEP_TRACE keeps it, for a look at who calls what (dotnet-trace convert --format speedscope).
    if (Environment.GetEnvironmentVariable("BENCH_KEEP_TRACE") is null)
    {
        File.Delete(file);
    }
    return string.Join('\n', text.Split('\n', StringSplitOptions.RemoveEmptyEntries)
        .Where(l => !IdleFrames().Any(l.Contains) && !alsoLeftOut.Any(word => l.Contains(word, StringComparison.OrdinalIgnoreCase)))
        .Take(int.TryParse(Environment.GetEnvironmentVariable("BENCH_TOP"), out var top) ? top : 30).Select(l => "      " + (l.Length > 160 ? l[..160] : l)));
}

/// <summary>
/// Frames where a sampled thread waits or merely starts others (idle threads are sampled too): left out of the
/// start-up report so what remains is work.
/// </summary>
static string[] IdleFrames() => ["Wait", "Thread", "ExecutionContext", "(Non-Activities)", "Callback", "RunWorkLoop", "cctor>b__", "EventLoop",
    "Interop+Sys.Read", "TryReadEvent", "TimerQueue", "ExporterProc", "Missing Symbol", "Dispatch()", "InnerInvoke", "MethodBuilder"];

/// <summary>User + system CPU time of a process so far (/proc/PID/stat, in clock ticks of 1/100 s).</summary>
static double CpuSeconds(int pid)
{
    var stat = File.ReadAllText($"/proc/{pid}/stat");
    var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
    return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / 100.0;
}

// How long each list variant, and bare Kestrel, runs under load before it is measured (BENCH_WARMUP_SECONDS): until
// the JIT has recompiled the hot path, so the rows compare steady states, as of a service that serves for hours.
static int WarmUpSeconds() => int.TryParse(Environment.GetEnvironmentVariable("BENCH_WARMUP_SECONDS"), out var seconds) ? seconds : 5;

/// <summary>
/// The gallery's list: one user's 20 ready images, the cache warm, wrk for a fixed time on 16 connections; the same JSON
/// from bare Kestrel just before, then pageSize=1 and revalidation (304), which show what a request costs without the page.
/// </summary>
static async Task<List<Row>> ListRowsAsync(string label, Uri apiUrl, HttpClient storage, byte[] small, string dataDir, string luaFile, int wrkSeconds, double goal, List<string> listProfile, CancellationToken ct)
{
    using var galleryUser = await SignUpAsync(apiUrl, ct);
    var galleryIds = new List<Guid>();
    for (var i = 0; i < 20; i++)
    {
        galleryIds.Add(await CreateAndPutAsync(galleryUser, storage, small, $"gallery-{i}.jpg", ct));
        (await WithinRateLimitAsync(() => galleryUser.PostAsync($"/api/media/{galleryIds[^1]}/complete", null, ct), ct)).EnsureSuccessStatusCode();
    }

    await WaitAllReadyAsync([galleryUser], ct);
    var token = galleryUser.DefaultRequestHeaders.Authorization!.Parameter!;
    var listUrl = new Uri(apiUrl, "/api/media?page=1&pageSize=20");
    using var listResponse = await galleryUser.GetAsync(listUrl, ct);
    var listJson = await listResponse.Content.ReadAsByteArrayAsync(ct);
    var listETag = listResponse.Headers.ETag!.Tag;
    var jsonFile = Path.Combine(dataDir, "gallery-page.json");
    await File.WriteAllBytesAsync(jsonFile, listJson, ct);

    var baselineUrl = $"http://127.0.0.1:{FreePort()}";
    WrkResult bare;
    using (var baseline = StartBaseline(jsonFile, baselineUrl))
    {
        await WaitForHttpAsync(new Uri(baselineUrl + "/api/media"), ct);
        await RunWrkAsync(luaFile, baselineUrl + "/api/media", null, WarmUpSeconds(), ct);
        bare = await RunWrkAsync(luaFile, baselineUrl + "/api/media", null, wrkSeconds, ct);
        baseline.Kill(entireProcessTree: true);
    }

    string[] auth = [$"Authorization: Bearer {token}"];
    var list1Url = new Uri(apiUrl, "/api/media?page=1&pageSize=1");
    string[] revalidate = [.. auth, $"If-None-Match: {listETag}"];
    // Each variant warmed up as long as the baseline was, before any is measured: the JIT recompiles a method once it
    // is hot (tiered compilation, with PGO), and the Api's path is far longer than bare Kestrel's. Measured while that
    // is still going on, the first variant measured would pay for the recompilation of the path all three share.
    await RunWrkAsync(luaFile, listUrl.ToString(), auth, WarmUpSeconds(), ct);
    await RunWrkAsync(luaFile, list1Url.ToString(), auth, WarmUpSeconds(), ct);
    await RunWrkAsync(luaFile, listUrl.ToString(), revalidate, WarmUpSeconds(), ct);
    var list20 = await RunWrkAsync(luaFile, listUrl.ToString(), auth, wrkSeconds, ct);
    var list1 = await RunWrkAsync(luaFile, list1Url.ToString(), auth, wrkSeconds, ct);
    var list304 = await RunWrkAsync(luaFile, listUrl.ToString(), revalidate, wrkSeconds, ct);
    if (Environment.GetEnvironmentVariable("BENCH_DOTNET_TRACE") is { Length: > 0 } tool && File.Exists(tool) && ServiceProcess("Api") is { } api)
    {
        listProfile.Add(await TracedLoadAsync(api, tool, () => RunWrkAsync(luaFile, listUrl.ToString(), auth, wrkSeconds, ct), wrkSeconds, $"{label}: the Api under the pageSize=20 load", ct));
    }

    var ratio = list20.RequestsPerSecond / bare.RequestsPerSecond;
    var goalText = string.Create(CultureInfo.InvariantCulture, $">= {goal}x");
    return
    [
        new Row($"{label}: GET /api/media?pageSize=20 ({listJson.Length / 1024.0:F0} KB), wrk 1 thread 16 conn {wrkSeconds} s",
            list20.Describe(), $"bare Kestrel, same JSON: {bare.Describe()}", ratio, goalText, ratio >= goal && list20.Errors == 0 && bare.Errors == 0),
        new Row("  same with pageSize=1 (what a request costs without the page)", list1.Describe(), "-", list1.RequestsPerSecond / bare.RequestsPerSecond, "-", null),
        new Row("  same as pageSize=20, revalidated (If-None-Match -> 304)", list304.Describe(), "-", list304.RequestsPerSecond / bare.RequestsPerSecond, "-", null),
    ];
}

internal sealed record Tokens(string AccessToken);

internal sealed record Created(Guid Id, string UploadUrl);

internal sealed record MediaItem(Guid Id, string Status, string? FailureReason);

internal sealed record MediaPage(List<MediaItem> Items, int TotalCount);

internal sealed record MediaStatuses(List<MediaItemStatus> Items);

internal sealed record MediaItemStatus(Guid Id, string Status);

internal sealed record Row(string What, string Measured, string Baseline, double? Ratio, string Goal, bool? Met);

internal sealed record WrkResult(double RequestsPerSecond, double P50Ms, double P95Ms, double P99Ms, long Errors, long Requests)
{
    public string Describe() => $"{RequestsPerSecond:F0} req/s, p50/95/99 {P50Ms:F1}/{P95Ms:F1}/{P99Ms:F1} ms{(Errors > 0 ? $", {Errors} errors" : "")}";
}

internal sealed record ServiceLaunch(string Service, int Pid, string[] Command, string WorkingDirectory, Dictionary<string, string> Environment);

/// <summary>The Worker's line for an image that became ready (MediaUploadedHandler's LogImageReady), in milliseconds.</summary>
internal sealed record WorkerTiming(Guid MediaId, double Total, double Download, double Thumbnails, double Store)
{
    private static readonly System.Text.RegularExpressions.Regex Line = new(
        @"Media (?<id>[0-9a-f-]{36}) ready in (?<total>\d+) ms: downloaded in (?<download>\d+) ms, thumbnails made in (?<thumbnails>\d+) ms, stored in (?<store>\d+) ms",
        System.Text.RegularExpressions.RegexOptions.CultureInvariant);

    public static WorkerTiming? Parse(string line)
    {
        var match = Line.Match(line);
        double Ms(string group) => double.Parse(match.Groups[group].Value, CultureInfo.InvariantCulture);
        return match.Success
            ? new WorkerTiming(Guid.Parse(match.Groups["id"].Value), Ms("total"), Ms("download"), Ms("thumbnails"), Ms("store"))
            : null;
    }
}

internal sealed record ColdStart(double HealthyMs, double FirstAnswerMs, double CpuSeconds, List<(double At, string Line)> Lines);

internal sealed record MixedResult(
    int Requests, double RequestsPerSecond, double P50Ms, double P95Ms, double P99Ms, int Errors, int Uploads, int NotReady, double ReadySeconds,
    Dictionary<string, long> WorkingSets, ResidentMemory? ApiMemory);

/// <summary>
/// A process's resident memory by kind (megabytes, from /proc/PID/status): anonymous (the GC's committed heap, native
/// allocations, thread stacks), file-backed (the mapped assemblies, their ReadyToRun code and the native libraries) and
/// shared (under W^X the runtime's executable memory: JIT'ed code and stubs, mapped from a memory file).
/// </summary>
internal sealed record ResidentMemory(long AnonymousMb, long FileMb, long SharedMb);


