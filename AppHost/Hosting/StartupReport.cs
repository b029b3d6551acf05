using System.Diagnostics;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Eventing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Platform.AppHost.Hosting;

/// <summary>
/// Logs one line when every resource is healthy, with the time since the AppHost process started: the number
/// <c>eng/measure-startup.sh</c> reports, and what a developer waits for before opening the app.
/// </summary>
internal static class StartupReport
{
    public static void Subscribe(IDistributedApplicationBuilder builder)
    {
        if (!builder.ExecutionContext.IsRunMode)
        {
            return;
        }

        builder.Eventing.Subscribe<BeforeStartEvent>((e, ct) =>
        {
            var notifications = e.Services.GetRequiredService<ResourceNotificationService>();
            var logger = e.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Platform.Startup");
            var stopping = e.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping;
            var resources = e.Model.Resources.Where(StartupWaits.IsStartedWithTheApp).ToArray();
            var started = Process.GetCurrentProcess().StartTime;
            if (logger.IsEnabled(LogLevel.Debug))
            {
                // The start-up timeline, resource by resource: Logging:LogLevel:Platform.Startup=Debug.
                _ = Task.Run(async () =>
                {
                    await foreach (var update in notifications.WatchAsync(stopping))
                    {
                        logger.LogDebug("{Seconds,5:F1} s  {Resource,-16} {State,-12} {Health}",
                            (DateTime.Now - started).TotalSeconds, update.Resource.Name, update.Snapshot.State?.Text, update.Snapshot.HealthStatus);
                    }
                }, stopping);
            }

            _ = Task.Run(async () =>
            {
                try
                {
                    await StartupWaits.WaitUntilStartedAsync(notifications, resources, stopping);
                    var elapsed = DateTime.Now - started;
                    logger.LogInformation("All {Count} resources are healthy, {Seconds:F1} s after the AppHost started.", resources.Length, elapsed.TotalSeconds);
                }
                catch (OperationCanceledException)
                {
                }
                catch (Exception ex)
                {
                    logger.LogError("Not every resource became healthy: {Message}", ex.Message);
                }
            }, stopping);
            return Task.CompletedTask;
        });
    }
}
