using Aspire.Hosting.Testing;
using Platform.Caching;
using Platform.Tests.Shared;
using StackExchange.Redis;

namespace Platform.Integration.Tests;

/// <summary>
/// The Api's media cache as Redis holds it (keys by <see cref="MediaCacheKeys"/>). What a test looks at to know that a read was cached: a user can only see that
/// a status is never stale, which a cache that never caches would also show.
/// </summary>
public sealed class MediaCacheProbe : IAsyncDisposable
{
    private readonly ConnectionMultiplexer _redis;

    private MediaCacheProbe(ConnectionMultiplexer redis) => _redis = redis;

    public IDatabase Database => _redis.GetDatabase();

    public static async Task<MediaCacheProbe> ConnectAsync(PlatformAppFixture fixture, CancellationToken ct) =>
        new(await ConnectionMultiplexer.ConnectAsync(await fixture.App.GetConnectionStringAsync("redis", ct) ?? ""));

    /// <summary>
    /// How many cached responses of the item Redis holds: one per owner stamp it was read under (and per URL window and
    /// signing generation, which stay the same for the length of a test).
    /// </summary>
    public int ItemEntries(Guid id) => _redis.GetServers().Single().Keys(pattern: MediaCacheKeys.ItemResponsePattern(id)).Count();

    /// <summary>
    /// Reads the item until Redis holds at least <paramref name="atLeast"/> entries of it, and returns their number. A read
    /// whose stamp does not come within the cache's one-second budget (a busy machine, or a service that has not yet
    /// reconnected after an outage) reads the database and caches nothing, by design; a later read caches again.
    /// </summary>
    public Task<int> ReadUntilCachedAsync(MediaClient user, Guid id, int atLeast, CancellationToken ct) =>
        Eventually.ReturnsAsync(
            async token =>
            {
                await user.GetAsync(id, token);
                return ItemEntries(id);
            },
            count => count >= atLeast,
            TimeSpan.FromSeconds(30),
            ct);

    public ValueTask DisposeAsync() => _redis.DisposeAsync();
}
