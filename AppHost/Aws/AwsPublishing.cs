#pragma warning disable ASPIREPIPELINES001 // The pipeline API is experimental in Aspire 13.
#pragma warning disable ASPIREPIPELINES004 // IPipelineOutputService likewise.
using System.Diagnostics;
using Aspire.Hosting.Pipelines;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Platform.AppHost.Aws;

/// <summary>
/// Hooks the CDK synthesis into Aspire's publish pipeline: <c>aspire publish</c> or
/// <c>dotnet run --project AppHost -- --operation publish --step publish --output-path &lt;dir&gt;</c> write the cloud
/// assembly into the output folder (or <c>CDK_OUTDIR</c>, when the CDK CLI runs the AppHost through <c>cdk.json</c>).
/// Registered only in publish mode: a normal run never touches the CDK.
/// </summary>
internal static class AwsPublishing
{
    public const string StepName = "aws-synth";
    public const string ContextSection = "Platform:Aws:Context";

    private static bool RunByCdkCli =>
        Environment.GetEnvironmentVariable("CDK_CONTEXT_JSON") is { Length: > 0 }
        || Environment.GetEnvironmentVariable("CONTEXT_OVERFLOW_LOCATION_ENV") is { Length: > 0 };

    public static void AddAwsSynthesisStep(IDistributedApplicationBuilder builder)
    {
        if (!builder.ExecutionContext.IsPublishMode)
        {
            return;
        }

        var repositoryRoot = Path.GetFullPath(Path.Combine(builder.AppHostDirectory, ".."));
        builder.Pipeline.AddStep(StepName, async step =>
        {
            var output = Environment.GetEnvironmentVariable("CDK_OUTDIR") is { Length: > 0 } cli
                ? Path.GetFullPath(cli, repositoryRoot)
                : step.Services.GetRequiredService<IPipelineOutputService>().GetOutputDirectory();
            var overrides = builder.Configuration.GetSection(ContextSection).AsEnumerable(makePathsRelative: true)
                .Where(e => e.Value is not null);
            // Run by the CDK CLI (cdk.json), the CLI has already merged cdk.json, cdk.context.json and its -c values into
            // the context it passes; only the AppHost's own overrides go on top. Run directly, the AppHost reads the files.
            var context = RunByCdkCli
                ? overrides.ToDictionary(e => e.Key, e => (object)e.Value!)
                : PlatformCdkApp.LoadContext(repositoryRoot, overrides);

            var stopwatch = Stopwatch.StartNew();
            Amazon.CDK.CXAPI.CloudAssembly assembly;
            try
            {
                assembly = await PlatformCdkApp.SynthesizeAsync(step.Model.Resources, step.ExecutionContext, context, output, step.CancellationToken);
            }
            catch
            {
                // Aspire 13.6 logs a failed step and still exits 0; scripts and the CDK CLI need to see the failure.
                Environment.ExitCode = 1;
                throw;
            }

            stopwatch.Stop();
            step.Logger.LogInformation("CDK synthesis: {Stacks} stacks ({Names}) in {Seconds:F1} s, written to {Output}",
                assembly.Stacks.Length, string.Join(", ", assembly.Stacks.Select(s => s.StackName)), stopwatch.Elapsed.TotalSeconds, output);
        }, requiredBy: WellKnownPipelineSteps.Publish, dependsOn: WellKnownPipelineSteps.PublishPrereq);
    }
}
