using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.Caching.StackExchangeRedis;
using Microsoft.Extensions.DependencyInjection;
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
/// </summary>
public static class MediaCache
{
    private static readonly HybridCacheEntryOptions s_stampOptions = new()
    {
        Expiration = TimeSpan.FromDays(1),
        Flags = HybridCacheEntryFlags.DisableLocalCache,
    };

    public static string StampKey(Guid ownerId) => $"media:v1:stamp:{ownerId:N}";

    public static string ItemKey(Guid ownerId, OwnerStamp stamp, Guid mediaId) => $"media:v1:{ownerId:N}:{stamp.Version:N}:item:{mediaId:N}";

    public static string ListKey(Guid ownerId, OwnerStamp stamp, int page, int pageSize) => $"media:v1:{ownerId:N}:{stamp.Version:N}:list:{page}:{pageSize}";

    /// <summary>Replaces the owner's stamp: everything cached for the owner is stale from now on.</summary>
    public static ValueTask InvalidateOwnerAsync(this HybridCache cache, Guid ownerId, DateTimeOffset now, CancellationToken cancellationToken) =>
        cache.SetAsync(StampKey(ownerId), new OwnerStamp(Guid.NewGuid(), now), s_stampOptions, cancellationToken: cancellationToken);

    /// <summary>
    /// The owner's current stamp. Without one (never set, or evicted) nobody knows when the data last changed, so the new
    /// stamp says "just now", which makes the next fills come from the primary for a moment: safe, and cheap.
    /// </summary>
    public static ValueTask<OwnerStamp> GetOwnerStampAsync(this HybridCache cache, Guid ownerId, DateTimeOffset now, CancellationToken cancellationToken) =>
        cache.GetOrCreateAsync(StampKey(ownerId), now, static (now, _) => ValueTask.FromResult(new OwnerStamp(Guid.NewGuid(), now)), s_stampOptions, cancellationToken: cancellationToken);

    /// <summary>
    /// HybridCache with Redis as its second level, on the connection Aspire's Redis client already manages (one
    /// multiplexer per process, with its health check and tracing).
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

        return services;
    }
}

/// <summary>An owner's cache generation: <see cref="Version"/> names the entries, <see cref="ChangedAt"/> the last change.</summary>
public sealed record OwnerStamp(Guid Version, DateTimeOffset ChangedAt);
