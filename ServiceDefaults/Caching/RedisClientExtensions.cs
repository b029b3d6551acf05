using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using StackExchange.Redis;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// Aspire's Redis client, set up for a cache that may go away: commands fail at once while the connection is down
/// (StackExchange.Redis would otherwise queue them for its 5 s timeout), a hung server answers within a second, and the
/// health check reports Redis down as <c>Degraded</c>, not <c>Unhealthy</c>: the service still works without it.
/// </summary>
public static class RedisClientExtensions
{
    /// <summary>The name Aspire's Redis integration gives its health check.</summary>
    public const string HealthCheckName = "StackExchange.Redis";

    public static IHostApplicationBuilder AddPlatformRedisClient(this IHostApplicationBuilder builder, string connectionName)
    {
        builder.AddRedisClient(connectionName, configureOptions: options =>
        {
            options.AbortOnConnectFail = false;
            options.BacklogPolicy = BacklogPolicy.FailFast;
            options.ConnectTimeout = 2000;
            options.AsyncTimeout = 1000;
            options.SyncTimeout = 1000;
        });
        builder.Services.Configure<HealthCheckServiceOptions>(options =>
        {
            foreach (var registration in options.Registrations.Where(r => r.Name == HealthCheckName))
            {
                registration.FailureStatus = HealthStatus.Degraded;
            }
        });
        return builder;
    }
}
