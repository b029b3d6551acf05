using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Eventing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;

namespace Platform.AppHost.Hosting;

/// <summary>
/// The skeleton every platform resource that is not a process of its own shares (a database on its server, a bucket or
/// queue in the emulator or in a deployed stack): a child of what hosts it, shown with its type and a property,
/// provisioned once its parent is healthy, and healthy by a check of its own.
/// </summary>
internal static class ProvisionedResource
{
    public static IResourceBuilder<T> AddProvisionedResource<T>(this IDistributedApplicationBuilder builder, T resource, IResource parent,
        string resourceType, string iconName, ResourcePropertySnapshot[] properties, Func<T, CancellationToken, Task> provision)
        where T : IResource =>
        builder.AddResource(resource)
            .WithParentRelationship(parent)
            .WithIconName(iconName)
            .WithInitialState(new CustomResourceSnapshot
            {
                ResourceType = resourceType,
                State = KnownResourceStates.NotStarted,
                Properties = [.. properties],
            })
            .OnInitializeResource((r, e, ct) => StartAfterParentAsync(r, parent, e, () => provision(r, ct), ct));

    /// <summary>A health check of the resource's own, run by Aspire's health checks service (<c>{name}_check</c>).</summary>
    public static IResourceBuilder<T> WithAsyncHealthCheck<T>(this IResourceBuilder<T> resource, Func<CancellationToken, Task<HealthCheckResult>> check)
        where T : IResource =>
        resource.WithAsyncHealthCheck((_, ct) => check(ct));

    /// <summary>The same, for a check that needs the AppHost's services (the resources' states, for one).</summary>
    public static IResourceBuilder<T> WithAsyncHealthCheck<T>(this IResourceBuilder<T> resource, Func<IServiceProvider, CancellationToken, Task<HealthCheckResult>> check)
        where T : IResource
    {
        var key = $"{resource.Resource.Name}_check";
        resource.ApplicationBuilder.Services.AddHealthChecks().Add(new HealthCheckRegistration(
            key, services => new DelegateHealthCheck(services, check), failureStatus: null, tags: null));
        return resource.WithHealthCheck(key);
    }

    // Written here because AddAsyncCheck, the health checks builder's delegate form, gives its delegate no service provider.
    private sealed class DelegateHealthCheck(IServiceProvider services, Func<IServiceProvider, CancellationToken, Task<HealthCheckResult>> check) : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
            check(services, cancellationToken);
    }

    /// <summary>
    /// The lifecycle of a resource that is not a process of its own (a database on a server, a bucket, a queue): wait
    /// until its parent is healthy, provision it, then report it running so its health check starts and its connection
    /// information flows to the services that reference it. (Aspire forbids WaitFor on a parent, hence the explicit wait.)
    /// </summary>
    private static async Task StartAfterParentAsync(IResource resource, IResource parent, InitializeResourceEvent e, Func<Task> provision, CancellationToken ct)
    {
        try
        {
            await e.Notifications.PublishUpdateAsync(resource, s => s with { State = KnownResourceStates.Waiting });
            await e.Notifications.WaitForResourceHealthyAsync(parent.Name, WaitBehavior.StopOnResourceUnavailable, ct);
            await e.Eventing.PublishAsync(new BeforeResourceStartedEvent(resource, e.Services), ct);
            await e.Notifications.PublishUpdateAsync(resource, s => s with { State = KnownResourceStates.Starting });
            await provision();
            await e.Notifications.PublishUpdateAsync(resource, s => s with
            {
                State = KnownResourceStates.Running,
                StartTimeStamp = DateTime.UtcNow,
            });
            if (resource is IResourceWithConnectionString)
            {
                await e.Eventing.PublishAsync(new ConnectionStringAvailableEvent(resource, e.Services), ct);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // The AppHost is stopping.
        }
        catch (Exception ex)
        {
            e.Logger.LogError(ex, "Could not start '{Resource}': {Message}", resource.Name, ex.Message);
            await e.Notifications.PublishUpdateAsync(resource, s => s with { State = KnownResourceStates.FailedToStart });
        }
    }
}
