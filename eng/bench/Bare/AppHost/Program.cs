// The bare Aspire app eng/bench.sh compares eng/run.sh's start-up with: three empty web projects, each with an HTTP
// health check, and the dashboard. It logs the same line as the real AppHost once every resource is healthy
// ("All N resources are healthy, … s after the AppHost started"), which is what eng/measure-startup.sh waits for.
using System.Diagnostics;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

var builder = DistributedApplication.CreateBuilder(args);
var services = new[] { "one", "two", "three" }
    .Select(name => builder.AddProject<Projects.BareService>(name, launchProfileName: null).WithHttpEndpoint().WithHttpHealthCheck("/health"))
    .ToArray();

builder.Eventing.Subscribe<BeforeStartEvent>((e, ct) =>
{
    var notifications = e.Services.GetRequiredService<ResourceNotificationService>();
    var logger = e.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Platform.Startup");
    var stopping = e.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping;
    var started = Process.GetCurrentProcess().StartTime;
    _ = Task.Run(async () =>
    {
        try
        {
            await Task.WhenAll(services.Select(s => notifications.WaitForResourceHealthyAsync(s.Resource.Name, stopping)));
            logger.LogInformation("All {Count} resources are healthy, {Seconds:F1} s after the AppHost started.",
                services.Length, (DateTime.Now - started).TotalSeconds);
        }
        catch (OperationCanceledException)
        {
        }
    }, stopping);
    return Task.CompletedTask;
});

builder.Build().Run();
