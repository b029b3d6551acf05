using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Platform.AppHost.Hosting;

/// <summary>
/// Makes every resource health check in the AppHost wait for its resource instead of answering once: while a check is
/// unhealthy it asks again every <see cref="Step"/>, for up to <see cref="MaxWait"/>, and returns as soon as it is healthy.
/// </summary>
/// <remarks>
/// Why: start-up is a chain (servers → schema migration → api/worker) and each link waits for health. Aspire polls an
/// unhealthy resource 1, 2, 3, 4, then every 5 s, and its interval is not a public setting, so each link lost up to
/// seconds to waiting alone. The check is the supported extension point: registrations are decorated through
/// <see cref="HealthCheckServiceOptions"/> (public API), in run mode only, so nothing depends on Aspire's internals. A
/// resource that fails while healthy is reported no later than Aspire's own longest poll interval (5 s) would.
/// </remarks>
internal static class ReadinessProbing
{
    public static readonly TimeSpan Step = TimeSpan.FromMilliseconds(100);
    public static readonly TimeSpan MaxWait = TimeSpan.FromSeconds(5);

    public static void Apply(IDistributedApplicationBuilder builder)
    {
        if (!builder.ExecutionContext.IsRunMode)
        {
            return;
        }

        builder.Services.PostConfigure<HealthCheckServiceOptions>(options =>
        {
            foreach (var registration in options.Registrations)
            {
                var inner = registration.Factory;
                // The inner check is made on each attempt: some factories fail until their resource has a connection string.
                registration.Factory = sp => new WaitingHealthCheck(() => inner(sp));
            }
        });
    }

    /// <summary>Runs the inner check until it is healthy or <see cref="MaxWait"/> has passed; the last answer counts.</summary>
    internal sealed class WaitingHealthCheck(Func<IHealthCheck> inner) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            var deadline = DateTime.UtcNow + MaxWait;
            while (true)
            {
                HealthCheckResult result;
                try
                {
                    result = await inner().CheckHealthAsync(context, cancellationToken);
                }
                catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
                {
                    result = new HealthCheckResult(context.Registration.FailureStatus, ex.Message, ex);
                }

                if (result.Status == HealthStatus.Healthy || DateTime.UtcNow + Step > deadline)
                {
                    return result;
                }

                await Task.Delay(Step, cancellationToken);
            }
        }
    }
}
