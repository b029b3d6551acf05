using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;
using Platform.AppHost.Hosting;

namespace Aspire.Hosting;

/// <summary>
/// How the whole system behaves, beyond its resources: called once, at the top of <c>Program.cs</c>, so that what it
/// changes is in the picture (as eShop's <c>AddForwardedHeaders()</c>), never a side effect of an <c>Add…</c> call.
/// </summary>
public static class PlatformDefaultsExtensions
{
    /// <summary>
    /// <list type="bullet">
    /// <item>A resource that fails or exits stops whatever waits for it, instead of leaving it "Waiting" forever: a broken
    /// Postgres shows as a failed API in the dashboard with the cause in the logs, not as a hang.</item>
    /// <item>Run mode: the console reports when everything is healthy (<see cref="StartupReport"/>) and why a resource failed
    /// (<see cref="ResourceFailureReport"/>); health checks answer as soon as their resource is ready
    /// (<see cref="ReadinessProbing"/>); a container engine chosen by <c>auto</c> is checked before anything starts; the local
    /// state folder is made private (<see cref="LocalProcesses.KeepDataDirectoryPrivateAtStart"/>); the services serve plain
    /// HTTP, so Aspire looks for no development certificate they would not use, each on its own port without Aspire's
    /// development proxy (<see cref="LocalServiceEndpoints"/>); each service runs as its built executable, without a
    /// <c>dotnet run</c> beside it (<see cref="ProjectBuildOutput"/>).</item>
    /// <item>Publish mode: the publish pipeline writes the AWS stack (CDK), see <see cref="Platform.AppHost.Aws.AwsPublishing"/>.</item>
    /// </list>
    /// </summary>
    public static IDistributedApplicationBuilder AddPlatformDefaults(this IDistributedApplicationBuilder builder)
    {
        builder.Services.Configure<ResourceNotificationServiceOptions>(o => o.DefaultWaitBehavior = WaitBehavior.StopOnResourceUnavailable);
        StartupReport.Subscribe(builder);
        ResourceFailureReport.Subscribe(builder);
        ReadinessProbing.Apply(builder);
        LocalRuntime.CheckContainerEngineAtStart(builder);
        LocalProcesses.KeepDataDirectoryPrivateAtStart(builder);
        LocalServiceEndpoints.ApplyAtStart(builder);
        ProjectBuildOutput.RunBuiltExecutablesAtStart(builder);
        Platform.AppHost.Aws.AwsPublishing.AddAwsSynthesisStep(builder);
        return builder;
    }
}
