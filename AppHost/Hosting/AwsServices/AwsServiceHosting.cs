using Amazon.Runtime;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Platform.AppHost.Hosting;

namespace Aspire.Hosting;

/// <summary>
/// The skeleton S3 buckets and SQS queues share: one resource in three forms, chosen once here.
/// <list type="bullet">
/// <item>Locally it lives in the AWS emulator: created when the emulator is healthy (idempotently), healthy once its
/// outputs exist and the emulator answers for it, and created again by its health check when a restarted emulator (it
/// keeps nothing through a restart) has lost it.</item>
/// <item>With <c>Platform:LocalRuntime=aws</c> it is the deployed stack's: its outputs are read from the stack
/// reference, and it runs once every output a service receives exists there (a missing one fails it, by name).</item>
/// <item>Published, it is plain data for the CDK translation.</item>
/// </list>
/// A service that references it gets its configuration and the AWS client settings of its form.
/// </summary>
internal static class AwsServiceHosting
{
    public static IResourceBuilder<T> AddAwsService<T>(this IDistributedApplicationBuilder builder, Func<IAwsEmulatorResource?, T> create, AwsServiceForms<T> forms)
        where T : AwsServiceResource
    {
        if (builder.GetOrAddAwsEmulator() is { } emulator)
        {
            var local = builder.AddProvisionedResource(create(emulator.Resource), emulator.Resource, forms.ResourceType, forms.IconName, [forms.Property],
                (r, ct) => forms.CreateInEmulator(r, emulator.Resource, ct));
            var resource = local.Resource;
            // The emulator's start the resource was last seen in: a resource missing from that same run was removed on
            // purpose (a test making the queue refuse sends, a developer's experiment) and is reported, not put back.
            DateTime? seenInEmulatorStart = null;
            return local.WithAsyncHealthCheck(async (services, ct) =>
            {
                if (!forms.UsedOutputs(resource).All(o => o.IsSet))
                {
                    return HealthCheckResult.Unhealthy($"'{resource.Name}' is not created yet.");
                }

                var emulatorStart = await EmulatorStartAsync(services, emulator.Resource, ct);
                HealthCheckResult result;
                try
                {
                    result = await forms.CheckInEmulator(resource, emulator.Resource, ct);
                }
                catch (AmazonServiceException ex) when (emulatorStart is null || emulatorStart == seenInEmulatorStart)
                {
                    return HealthCheckResult.Unhealthy(
                        $"'{resource.Name}' is missing from the emulator, which has not restarted since it was there ({ex.Message}). " +
                        "Restart the emulator to create it again.", ex);
                }
                catch (AmazonServiceException)
                {
                    // The emulator keeps its state in memory only: once it is back from a restart the resource is
                    // gone. Create it again (idempotent, the same names and URLs), as it was created at the start.
                    await forms.CreateInEmulator(resource, emulator.Resource, ct);
                    result = await forms.CheckInEmulator(resource, emulator.Resource, ct);
                }

                seenInEmulatorStart = emulatorStart;
                return result;
            });
        }

        if (LocalRuntime.PublishesAwsStack(builder))
        {
            return forms.PublishAs(builder.AddResource(create(null)).WithIconName(forms.IconName));
        }

        var stack = builder.GetOrAddPlatformStackReference();
        var real = create(null);
        foreach (var output in real.Outputs)
        {
            output.ResolveFrom(stack);
        }

        return builder.AddProvisionedResource(real, stack, forms.ResourceType, forms.IconName, [forms.Property, new("Stack", stack.StackName)],
            async (r, ct) =>
            {
                foreach (var output in forms.UsedOutputs(r))
                {
                    await output.GetValueAsync(ct);
                }
            });
    }

    /// <summary>When the emulator's current run started (Aspire's latest snapshot of it), or null while it is not running.</summary>
    private static async Task<DateTime?> EmulatorStartAsync(IServiceProvider services, IResource emulator, CancellationToken ct)
    {
        // The first event a wait sees is the resource's current state.
        var current = await services.GetRequiredService<ResourceNotificationService>().WaitForResourceAsync(emulator.Name, _ => true, ct);
        return current.Snapshot.State?.Text == KnownResourceStates.Running ? current.Snapshot.StartTimeStamp : null;
    }

    /// <summary>
    /// Gives a service an AWS resource: the configuration <paramref name="environment"/> sets, and the AWS client
    /// settings to reach it (the emulator's, or the real services' region and profile).
    /// </summary>
    public static IResourceBuilder<TService> WithAwsServiceReference<TService>(this IResourceBuilder<TService> service, AwsServiceResource resource,
        Action<EnvironmentCallbackContext> environment)
        where TService : IResourceWithEnvironment =>
        service
            .WithAwsClientSettings(resource.Emulator)
            .WithEnvironment(environment)
            .WithReferenceRelationship(resource);
}

/// <summary>What differs between the AWS resources that share <see cref="AwsServiceHosting"/>.</summary>
/// <param name="ResourceType">The type the dashboard shows.</param>
/// <param name="IconName">The dashboard's icon.</param>
/// <param name="Property">The property the dashboard shows (the bucket's or queue's name).</param>
/// <param name="UsedOutputs">The outputs services receive: they must exist before the resource counts as running.</param>
/// <param name="PublishAs">Marks the published resource with the translator of its AWS form.</param>
/// <param name="CreateInEmulator">Creates the resource in the emulator, idempotently, and sets its outputs.</param>
/// <param name="CheckInEmulator">Asks the emulator whether the created resource answers.</param>
internal sealed record AwsServiceForms<T>(
    string ResourceType,
    string IconName,
    ResourcePropertySnapshot Property,
    Func<T, IEnumerable<AwsResourceOutput>> UsedOutputs,
    Func<IResourceBuilder<T>, IResourceBuilder<T>> PublishAs,
    Func<T, IAwsEmulatorResource, CancellationToken, Task> CreateInEmulator,
    Func<T, IAwsEmulatorResource, CancellationToken, Task<HealthCheckResult>> CheckInEmulator)
    where T : IResource;
