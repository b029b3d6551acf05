using System.Diagnostics;
using System.Runtime.CompilerServices;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.Configuration;

namespace Platform.AppHost.Hosting;

/// <summary>
/// The one place that decides which <see cref="LocalRuntimeKind"/> this run uses, and whether the AppHost publishes the
/// AWS stack instead of running anything. The <c>Add…</c> hosting extensions ask it; <c>Program.cs</c> never branches on it.
/// </summary>
public sealed class LocalRuntime
{
    public const string ConfigurationKey = "Platform:LocalRuntime";

    private LocalRuntime(LocalRuntimeKind kind, string reason, string? engine = null, LocalRuntimeKind? serverKind = null)
    {
        Kind = kind;
        Reason = reason;
        Engine = engine;
        ServerKind = serverKind ?? kind;
    }

    /// <summary>The container engine <c>auto</c> found, to be checked at start; null when configured or not containers.</summary>
    private string? Engine { get; }

    public LocalRuntimeKind Kind { get; }

    /// <summary>
    /// How the Postgres and Redis servers run: <see cref="Kind"/>, except with <see cref="LocalRuntimeKind.Aws"/>, where
    /// they run as containers or processes, detected as with <c>auto</c>.
    /// </summary>
    public LocalRuntimeKind ServerKind { get; }

    /// <summary>
    /// True when the AppHost publishes (<c>--operation publish</c>): every resource takes its AWS form, data for the CDK
    /// translation in <c>AppHost/Aws/</c>, and nothing local (no container, no process) is added to the model.
    /// </summary>
    public static bool PublishesAwsStack(IDistributedApplicationBuilder builder) => builder.ExecutionContext.IsPublishMode;

    /// <summary>
    /// The form of a server (Postgres, Redis) in this run: its AWS service when publishing, else a container or a local
    /// process as <see cref="ServerKind"/> says. The one place the hosting extensions branch on it.
    /// </summary>
    public static T ChooseServerForm<T>(IDistributedApplicationBuilder builder, Func<T> aws, Func<T> container, Func<T> process) =>
        PublishesAwsStack(builder) ? aws()
        : For(builder).ServerKind == LocalRuntimeKind.Containers ? container()
        : process();

    /// <summary>Why this kind was chosen, in words a developer reads in the console.</summary>
    public string Reason { get; }

    /// <summary>Reads <c>Platform:LocalRuntime</c> (auto | containers | processes | aws) once per builder.</summary>
    public static LocalRuntime For(IDistributedApplicationBuilder builder)
    {
        if (Cache.TryGetValue(builder, out var cached))
        {
            return cached;
        }

        var configured = builder.Configuration[ConfigurationKey]?.Trim().ToLowerInvariant();
        var runtime = configured switch
        {
            null or "" or "auto" => Detect(builder.Configuration),
            "containers" => new LocalRuntime(LocalRuntimeKind.Containers, $"{ConfigurationKey}=containers"),
            "processes" => new LocalRuntime(LocalRuntimeKind.Processes, $"{ConfigurationKey}=processes"),
            "aws" => WithRealAws(Detect(builder.Configuration)),
            _ => throw new DistributedApplicationException(
                $"{ConfigurationKey} is '{configured}', but it must be one of: auto, containers, processes, aws."),
        };

        Cache.AddOrUpdate(builder, runtime);
        if (builder.ExecutionContext.IsRunMode)
        {
            Console.WriteLine($"Platform: local runtime '{runtime.Kind.ToString().ToLowerInvariant()}' ({runtime.Reason}).");
        }

        return runtime;
    }

    // One decision per builder: several extensions ask, and the console line is printed once.
    private static readonly ConditionalWeakTable<IDistributedApplicationBuilder, LocalRuntime> Cache = new();

    private static LocalRuntime WithRealAws(LocalRuntime servers) => new(LocalRuntimeKind.Aws,
        $"{ConfigurationKey}=aws: S3 and SQS of the deployed stack; Postgres and Redis as {servers.Kind.ToString().ToLowerInvariant()} ({servers.Reason})",
        servers.Engine, servers.Kind);

    /// <summary>
    /// The container engine Aspire drives: <c>ASPIRE_CONTAINER_RUNTIME</c> (configuration, so environment or command line),
    /// else docker, else podman.
    /// </summary>
    private static string[] Engines(IConfiguration configuration) =>
        configuration["ASPIRE_CONTAINER_RUNTIME"] is { Length: > 0 } preferred ? [preferred] : ["docker", "podman"];

    /// <summary>
    /// Containers when an engine's CLI is installed and its socket exists; else processes. Nothing is run and nothing is
    /// connected to while the model is built (a test or a publish builds it too): whether the engine really answers is
    /// checked when the AppHost starts (<see cref="CheckContainerEngineAtStart"/>).
    /// </summary>
    private static LocalRuntime Detect(IConfiguration configuration)
    {
        var engines = Engines(configuration);
        foreach (var engine in engines)
        {
            if (LocalProcesses.FindOnPath(engine) is not null && EngineSocket(engine, configuration) is { } socket)
            {
                return new LocalRuntime(LocalRuntimeKind.Containers, $"auto: the {engine} CLI and its socket {socket} are present", engine);
            }
        }

        return new LocalRuntime(LocalRuntimeKind.Processes, $"auto: no container engine is installed with a socket ({string.Join(", ", engines)})");
    }

    /// <summary>Where the engine listens: DOCKER_HOST / CONTAINER_HOST when set, else the engines' usual sockets.</summary>
    private static string? EngineSocket(string engine, IConfiguration configuration)
    {
        var host = configuration[Path.GetFileName(engine).Contains("podman", StringComparison.Ordinal) ? "CONTAINER_HOST" : "DOCKER_HOST"];
        if (!string.IsNullOrWhiteSpace(host))
        {
            // A TCP or SSH host cannot be looked at without connecting: take it as present, the start-up check tells.
            return host.StartsWith("unix://", StringComparison.Ordinal) ? (File.Exists(host["unix://".Length..]) ? host : null) : host;
        }

        // The user's runtime folder holds rootless engines' sockets.
        var runtimeDirectory = configuration["XDG_RUNTIME_DIR"] is { Length: > 0 } xdg ? xdg : "/nonexistent";
        string[] candidates = Path.GetFileName(engine).Contains("podman", StringComparison.Ordinal)
            ? [Path.Combine(runtimeDirectory, "podman", "podman.sock"), "/run/podman/podman.sock"]
            : ["/var/run/docker.sock", Path.Combine(runtimeDirectory, "docker.sock")];
        return candidates.FirstOrDefault(File.Exists);
    }

    /// <summary>
    /// With <c>auto</c> having chosen containers, asks the engine (<c>{engine} info</c>) before anything starts, and stops
    /// the start with what to do when it does not answer (a socket left by a stopped engine, say). Run mode only.
    /// </summary>
    internal static void CheckContainerEngineAtStart(IDistributedApplicationBuilder builder)
    {
        if (!builder.ExecutionContext.IsRunMode)
        {
            return;
        }

        builder.Eventing.Subscribe<BeforeStartEvent>(async (_, ct) =>
        {
            if (For(builder) is not { Engine: { } engine, ServerKind: LocalRuntimeKind.Containers })
            {
                return;
            }

            if (await EngineAnswersAsync(engine, ct) is { } why)
            {
                throw new DistributedApplicationException(
                    $"{ConfigurationKey}=auto chose containers, but '{engine} info' failed ({why}): start the container engine, " +
                    $"or set {ConfigurationKey}=processes.");
            }
        });
    }

    /// <summary>Returns null when '<paramref name="engine"/> info' succeeds within a few seconds, else why not.</summary>
    private static async Task<string?> EngineAnswersAsync(string engine, CancellationToken ct)
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo(engine, ["info", "--format", "{{.ServerVersion}}"])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            });
            if (process is null)
            {
                return "did not start";
            }

            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(TimeSpan.FromSeconds(5));
            try
            {
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                process.Kill(entireProcessTree: true);
                return "timed out";
            }

            return process.ExitCode == 0 ? null : $"exit code {process.ExitCode}";
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return "not installed";
        }
    }
}
