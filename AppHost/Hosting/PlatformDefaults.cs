using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Eventing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Platform.AppHost.Hosting;

/// <summary>The lifecycle the platform's provisioned resources share.</summary>
internal static class PlatformDefaults
{

    /// <summary>
    /// The lifecycle of a resource that is not a process of its own (a database on a server, a bucket, a queue): wait
    /// until its parent is healthy, provision it, then report it running so its health check starts and its connection
    /// information flows to the services that reference it. (Aspire forbids WaitFor on a parent, hence the explicit wait.)
    /// </summary>
    public static async Task StartAfterParentAsync(IResource resource, IResource parent, InitializeResourceEvent e, Func<Task> provision, CancellationToken ct)
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
