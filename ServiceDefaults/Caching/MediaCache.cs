using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.Caching.StackExchangeRedis;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Platform.ServiceDefaults.Resilience;
using StackExchange.Redis;

namespace Platform.Caching;

/// <summary>
/// The media cache contract shared by the Api (which fills it) and the Worker (which changes items behind the Api's back).
/// <para>
/// Every cached read of an owner's media sits under that owner's <em>stamp</em>, a small entry in Redis (L2 only, never
/// held in a process's memory). Any change — by the Api or by the Worker, in any process — replaces the stamp, so every
/// entry filed under the old one is out of reach at once, on every Api instance. This is key-based invalidation that
/// works across processes: HybridCache's own tag invalidation is remembered per process (a tag's invalidation time is
/// read from L2 once and then kept), so a tag removed by the Worker would not reach an Api instance that had already
/// seen the tag.
/// </para>
/// <para>
/// The stamp also knows when the owner's data last changed. For a short window after a change the Api fills the cache
/// from the primary instead of the read replica, so neither the user (read-your-writes) nor the cache ever picks up a
/// row the replica has not caught up with.
/// </para>
/// <para>
/// Without Redis (down, or its circuit open) nothing is cached: reads go to the primary and changes cannot replace the
/// stamp, so <see cref="OwnerStamps"/> remembers whose stamp must change and replaces it as soon as Redis answers again,
/// and a process that saw Redis go away replaces every stamp older than Redis's return before it trusts it.
/// </para>
/// </summary>
public static class MediaCache
{
    public static string StampKey(Guid ownerId) => $"media:v1:stamp:{ownerId:N}";

    public static string ItemKey(Guid ownerId, OwnerStamp stamp, Guid mediaId) => $"media:v1:{ownerId:N}:{stamp.Version:N}:item:{mediaId:N}";

    public static string ListKey(Guid ownerId, OwnerStamp stamp, int page, int pageSize) => $"media:v1:{ownerId:N}:{stamp.Version:N}:list:{page}:{pageSize}";

    /// <summary>
    /// The statuses of a set of the owner's items; <paramref name="idsHash"/> names the set (a hash of the sorted ids: a
    /// set of 60 ids written out would pass the cache's key length limit).
    /// </summary>
    public static string StatusesKey(Guid ownerId, OwnerStamp stamp, string idsHash) => $"media:v1:{ownerId:N}:{stamp.Version:N}:statuses:{idsHash}";

    /// <summary>
    /// HybridCache with Redis as its second level, on the connection Aspire's Redis client already manages (one
    /// multiplexer per process, with its health check and tracing), and the owners' stamps (<see cref="OwnerStamps"/>)
    /// behind Redis's <see cref="DependencyGuard"/>.
    /// </summary>
    public static IServiceCollection AddRedisHybridCache(this IServiceCollection services, Action<HybridCacheOptions>? configure = null)
    {
        services.AddStackExchangeRedisCache(_ => { });
        services.AddOptions<RedisCacheOptions>().Configure<IServiceProvider>((options, sp) =>
            options.ConnectionMultiplexerFactory = () => Task.FromResult(sp.GetRequiredService<IConnectionMultiplexer>()));
        services.AddHybridCache();
        if (configure is not null)
        {
            services.Configure(configure);
        }

        // Redis is an optimisation: a call that takes more than a second is given up on, and a Redis that keeps failing is
        // left alone for two seconds at a time (reads go to Postgres meanwhile).
        services.AddDependencyGuard(OwnerStamps.GuardKey, "cache", new DependencyGuardOptions
        {
            Timeout = TimeSpan.FromSeconds(1),
            BreakDuration = TimeSpan.FromSeconds(2),
            // A cache read or write has no error of its own to report: whatever fails, Redis is not usable right now.
            IsFailure = _ => true,
        });
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<OwnerStamps>();
        services.AddHostedService(sp => sp.GetRequiredService<OwnerStamps>());
        return services;
    }
}

/// <summary>An owner's cache generation: <see cref="Version"/> names the entries, <see cref="ChangedAt"/> the last change.</summary>
public sealed record OwnerStamp(Guid Version, DateTimeOffset ChangedAt);
