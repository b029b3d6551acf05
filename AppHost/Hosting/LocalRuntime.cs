using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace Platform.AppHost.Hosting;

/// <summary>How the AWS-shaped resources (Postgres, Redis, S3, SQS) run when the AppHost runs on a developer's machine.</summary>
public enum LocalRuntimeKind
{
    /// <summary>Containers: Aspire's Postgres and Redis integrations and a pinned LocalStack image for S3/SQS.</summary>
    Containers,

    /// <summary>Local processes: Debian's PostgreSQL and redis-server, and fauxqs (npm) for S3/SQS.</summary>
    Processes,

    /// <summary>
    /// The real S3 bucket and SQS queues of a deployed stack (its outputs read through a CloudFormation stack reference),
    /// with Postgres and Redis still local (containers when an engine answers, else processes): RDS and ElastiCache sit in
    /// isolated subnets no laptop reaches.
    /// </summary>
    Aws,
}

/// <summary>
/// The one place that decides which <see cref="LocalRuntimeKind"/> this run uses, and whether the AppHost publishes the
/// AWS stack instead of running anything. The <c>Add…</c> hosting extensions ask it; <c>Program.cs</c> never branches on it.
/// </summary>
public sealed class LocalRuntime
{
    public const string ConfigurationKey = "Platform:LocalRuntime";

    private LocalRuntime(LocalRuntimeKind kind, string reason, LocalRuntimeKind? serverKind = null)
    {
        Kind = kind;
        Reason = reason;
        ServerKind = serverKind ?? kind;
    }

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

    /// <summary>Why this kind was chosen, in words a developer reads in the console.</summary>
    public string Reason { get; }

    /// <summary>Reads <c>Platform:LocalRuntime</c> (auto | containers | processes | aws) once per builder.</summary>
    public static LocalRuntime For(IDistributedApplicationBuilder builder)
    {
        if (s_cache.TryGetValue(builder, out var cached))
        {
            return cached;
        }

        var configured = builder.Configuration[ConfigurationKey]?.Trim().ToLowerInvariant();
        var runtime = configured switch
        {
            null or "" or "auto" => Detect(),
            "containers" => new LocalRuntime(LocalRuntimeKind.Containers, $"{ConfigurationKey}=containers"),
            "processes" => new LocalRuntime(LocalRuntimeKind.Processes, $"{ConfigurationKey}=processes"),
            "aws" => WithRealAws(Detect()),
            _ => throw new DistributedApplicationException(
                $"{ConfigurationKey} is '{configured}', but it must be one of: auto, containers, processes, aws."),
        };

        s_cache.AddOrUpdate(builder, runtime);
        if (builder.ExecutionContext.IsRunMode)
        {
            Console.WriteLine($"Platform: local runtime '{runtime.Kind.ToString().ToLowerInvariant()}' ({runtime.Reason}).");
        }

        return runtime;
    }

    // One decision per builder: several extensions ask, and the console line is printed once.
    private static readonly ConditionalWeakTable<IDistributedApplicationBuilder, LocalRuntime> s_cache = new();

    private static LocalRuntime WithRealAws(LocalRuntime servers) => new(LocalRuntimeKind.Aws,
        $"{ConfigurationKey}=aws: S3 and SQS of the deployed stack; Postgres and Redis as {servers.Kind.ToString().ToLowerInvariant()} ({servers.Reason})",
        servers.Kind);

    /// <summary>Containers only when a container engine really answers; a CLI on the PATH is not enough.</summary>
    private static LocalRuntime Detect()
    {
        var preferred = Environment.GetEnvironmentVariable("ASPIRE_CONTAINER_RUNTIME");
        string[] engines = string.IsNullOrWhiteSpace(preferred) ? ["docker", "podman"] : [preferred];
        foreach (var engine in engines)
        {
            var answer = EngineAnswers(engine);
            if (answer is null)
            {
                return new LocalRuntime(LocalRuntimeKind.Containers, $"auto: the {engine} engine answers");
            }
        }

        return new LocalRuntime(LocalRuntimeKind.Processes, $"auto: no container engine answers ({string.Join(", ", engines)})");
    }

    /// <summary>Returns null when '<paramref name="engine"/> info' succeeds within a few seconds, else why not.</summary>
    private static string? EngineAnswers(string engine)
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

            if (!process.WaitForExit(TimeSpan.FromSeconds(5)))
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
