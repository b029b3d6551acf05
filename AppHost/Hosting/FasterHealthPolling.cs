using System.Reflection;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Platform.AppHost.Hosting;

/// <summary>
/// Polls not-yet-healthy resources every 0.25 s (backing off to 1.25 s) instead of Aspire's 1 s steps up to 5 s.
/// </summary>
/// <remarks>
/// Why this exists: our start-up is a chain (servers → api → worker/web) and each link waits for health. With Aspire's
/// default back-off (checks at 0, 1, 3, 6, 10 s after a resource starts) every link loses seconds to waiting alone,
/// which is most of the time to "all healthy" on two cores. Aspire exposes the interval only to its own tests
/// (an internal property), so it is set by reflection, in run mode only. If a future Aspire renames it, start-up is
/// simply as slow as Aspire's default and a debug line says so; nothing else depends on it.
/// </remarks>
internal static class FasterHealthPolling
{
    private static readonly TimeSpan Step = TimeSpan.FromMilliseconds(250);

    public static void Subscribe(IDistributedApplicationBuilder builder)
    {
        if (!builder.ExecutionContext.IsRunMode)
        {
            return;
        }

        builder.Eventing.Subscribe<BeforeStartEvent>((e, _) =>
        {
            var logger = e.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Platform.Startup");
            var service = e.Services.GetServices<IHostedService>()
                .FirstOrDefault(s => s.GetType().FullName == "Aspire.Hosting.Health.ResourceHealthCheckService");
            var property = service?.GetType().GetProperty("NonHealthyHealthCheckStepInterval", BindingFlags.Instance | BindingFlags.NonPublic | BindingFlags.Public);
            if (service is null || property?.PropertyType != typeof(TimeSpan) || !property.CanWrite)
            {
                logger.LogDebug("Aspire's health check interval is not settable in this version; keeping its default.");
                return Task.CompletedTask;
            }

            property.SetValue(service, Step);
            return Task.CompletedTask;
        });
    }
}
