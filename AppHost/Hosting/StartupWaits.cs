using Aspire.Hosting.ApplicationModel;

namespace Platform.AppHost.Hosting;

/// <summary>
/// What "the system has started" means, for the AppHost's own report and for whatever starts it in tests and benchmarks:
/// every resource that starts with the app is healthy, and every step that runs to completion has finished with exit code 0.
/// </summary>
public static class StartupWaits
{
    /// <summary>Parameters have no lifecycle, and resources that start only on demand (Aspire's project rebuilders) never run.</summary>
    public static bool IsStartedWithTheApp(IResource resource) =>
        resource is not ParameterResource && !resource.HasAnnotationOfType<ExplicitStartupAnnotation>();

    public static Task WaitUntilStartedAsync(ResourceNotificationService notifications, IEnumerable<IResource> resources, CancellationToken ct) =>
        Task.WhenAll(resources.Where(IsStartedWithTheApp).Select(async resource =>
        {
            if (resource is not IRunsToCompletion)
            {
                await notifications.WaitForResourceHealthyAsync(resource.Name, WaitBehavior.StopOnResourceUnavailable, ct);
                return;
            }

            var done = await notifications.WaitForResourceAsync(resource.Name,
                e => KnownResourceStates.TerminalStates.Contains(e.Snapshot.State?.Text), ct);
            if (done.Snapshot.ExitCode is not 0)
            {
                throw new DistributedApplicationException(
                    $"'{resource.Name}' ended {done.Snapshot.State?.Text} with exit code {done.Snapshot.ExitCode?.ToString() ?? "none"}; its log says why.");
            }
        }));
}
