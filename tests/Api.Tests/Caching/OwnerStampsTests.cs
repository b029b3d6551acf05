using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Platform.Caching;
using Platform.ServiceDefaults.Resilience;

namespace Platform.Api.Tests.Caching;

/// <summary>
/// The cache stamp rules (see <see cref="OwnerStamps"/>): a reader never gets an entry older than the last change it
/// could have known of — across changes, a Redis outage, and changes nobody could announce while Redis was away.
/// </summary>
public sealed class OwnerStampsTests
{
    private static readonly Guid Owner = Guid.NewGuid();

    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 11, 30, 10, 0, 0, TimeSpan.Zero));
    private readonly SwitchableRedis _redis = new();
    private readonly OwnerStamps _stamps;

    public OwnerStampsTests()
    {
        var guard = new DependencyGuard("cache", new DependencyGuardOptions { IsFailure = _ => true, MinimumThroughput = 1000 }, NullLoggerFactory.Instance);
        _stamps = new OwnerStamps(_redis, guard, new ServiceCollection().BuildServiceProvider(), _clock, NullLogger<OwnerStamps>.Instance);
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task An_owner_keeps_one_stamp_until_a_change_replaces_it()
    {
        var first = await _stamps.GetAsync(Owner, Ct);
        Assert.Equal(first, await _stamps.GetAsync(Owner, Ct));

        _clock.Advance(TimeSpan.FromMinutes(1));
        await _stamps.InvalidateAsync(Owner);
        var second = await _stamps.GetAsync(Owner, Ct);

        Assert.NotNull(first);
        Assert.NotNull(second);
        Assert.NotEqual(first.Version, second.Version);
        Assert.Equal(_clock.GetUtcNow(), second.ChangedAt);
        Assert.NotEqual(MediaCacheKeys.ItemResponse(Owner, first.Version, Guid.Empty, 0, ""), MediaCacheKeys.ItemResponse(Owner, second.Version, Guid.Empty, 0, ""));
        Assert.NotEqual(MediaCacheKeys.PageResponse(Owner, first.Version, 1, 20, 0, ""), MediaCacheKeys.PageResponse(Owner, second.Version, 1, 20, 0, ""));
    }

    [Fact]
    public async Task Owners_have_stamps_and_keys_of_their_own()
    {
        var other = Guid.NewGuid();
        var mine = await _stamps.GetAsync(Owner, Ct);
        await _stamps.InvalidateAsync(other);

        Assert.Equal(mine, await _stamps.GetAsync(Owner, Ct));
        Assert.NotEqual(MediaCacheKeys.Stamp(Owner), MediaCacheKeys.Stamp(other));
        Assert.DoesNotContain(Owner.ToString("N"), MediaCacheKeys.ItemResponse(other, mine!.Version, Guid.Empty, 0, ""));
    }

    [Fact]
    public async Task Without_redis_a_read_gets_no_stamp_so_nothing_is_cached()
    {
        _redis.Down = true;

        Assert.Null(await _stamps.GetAsync(Owner, Ct));
    }

    [Fact]
    public async Task A_change_made_while_redis_is_down_replaces_the_stamp_before_the_next_read_trusts_it()
    {
        var before = await _stamps.GetAsync(Owner, Ct);
        _redis.Down = true;
        await _stamps.InvalidateAsync(Owner); // cannot reach Redis: remembered

        Assert.Equal(1, _stamps.PendingCount);
        _redis.Down = false;
        var after = await _stamps.GetAsync(Owner, Ct);

        Assert.NotEqual(before!.Version, after!.Version);
        Assert.Equal(0, _stamps.PendingCount);
    }

    [Fact]
    public async Task After_redis_returns_a_stamp_older_than_its_return_is_replaced_once()
    {
        var before = await _stamps.GetAsync(Owner, Ct);
        _clock.Advance(TimeSpan.FromMinutes(1));
        _redis.Down = true;
        Assert.Null(await _stamps.GetAsync(Owner, Ct)); // this process sees Redis go
        _clock.Advance(TimeSpan.FromMinutes(1));
        _redis.Down = false;

        // Another process may have changed the owner's items meanwhile without being able to say so.
        var renewed = await _stamps.GetAsync(Owner, Ct);

        Assert.NotEqual(before!.Version, renewed!.Version);
        Assert.Equal(renewed, await _stamps.GetAsync(Owner, Ct));
    }

    [Fact]
    public async Task A_stamp_redis_lost_is_made_again_as_of_now()
    {
        var before = await _stamps.GetAsync(Owner, Ct);
        _redis.Remove(MediaCacheKeys.Stamp(Owner)); // evicted, or Redis restarted empty
        _clock.Advance(TimeSpan.FromMinutes(5));

        var after = await _stamps.GetAsync(Owner, Ct);

        Assert.NotEqual(before!.Version, after!.Version);
        Assert.Equal(_clock.GetUtcNow(), after.ChangedAt);
    }

    [Fact]
    public async Task Requests_of_one_owner_that_arrive_together_share_one_redis_read()
    {
        await _stamps.GetAsync(Owner, Ct);
        var readsBefore = _redis.Reads;
        var release = _redis.HoldReads();

        var together = Enumerable.Range(0, 8).Select(_ => _stamps.GetAsync(Owner, Ct)).ToArray();
        release.SetResult();
        var stamps = await Task.WhenAll(together);

        Assert.Equal(readsBefore + 1, _redis.Reads);
        Assert.Single(stamps.Distinct());
    }

    [Fact]
    public async Task A_read_after_a_change_never_joins_a_read_that_began_before_it()
    {
        var before = await _stamps.GetAsync(Owner, Ct);
        var release = _redis.HoldReads();
        var begunBefore = _stamps.GetAsync(Owner, Ct);

        _clock.Advance(TimeSpan.FromSeconds(1));
        await _stamps.InvalidateAsync(Owner);
        var after = _stamps.GetAsync(Owner, Ct);
        release.SetResult();

        Assert.Equal(before, await begunBefore);
        Assert.NotEqual(before!.Version, (await after)!.Version);
        Assert.Equal(_clock.GetUtcNow(), (await after)!.ChangedAt);
    }

    [Fact]
    public async Task A_request_that_gives_up_leaves_the_shared_read_to_the_others()
    {
        await _stamps.GetAsync(Owner, Ct);
        var release = _redis.HoldReads();
        using var impatient = CancellationTokenSource.CreateLinkedTokenSource(Ct);

        var leaving = _stamps.GetAsync(Owner, impatient.Token);
        var staying = _stamps.GetAsync(Owner, Ct);
        await impatient.CancelAsync();
        release.SetResult();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => leaving);
        Assert.NotNull(await staying);
    }

    [Fact]
    public async Task A_process_that_only_changes_stamps_reaches_redis_again_after_its_circuit_opened()
    {
        // The Worker's case: it writes stamps but never reads them, so only its writes can find Redis back.
        var guard = new DependencyGuard("cache", new DependencyGuardOptions
        {
            IsFailure = _ => true,
            MinimumThroughput = 2,
            BreakDuration = TimeSpan.FromMilliseconds(500),
        }, NullLoggerFactory.Instance);
        var writer = new OwnerStamps(_redis, guard, new ServiceCollection().BuildServiceProvider(), _clock, NullLogger<OwnerStamps>.Instance);
        var before = await _stamps.GetAsync(Owner, Ct);
        _redis.Down = true;
        for (var i = 0; i < 3; i++)
        {
            await writer.InvalidateAsync(Owner);
        }

        Assert.False(guard.IsAvailable);
        _redis.Down = false;

        // Once the circuit's break is over, a change goes through again (polled: the break runs on the real clock).
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        deadline.CancelAfter(TimeSpan.FromSeconds(30));
        while (StoredStamp()?.Version == before!.Version)
        {
            _clock.Advance(TimeSpan.FromSeconds(1));
            await writer.InvalidateAsync(Owner);
            await Task.Delay(50, deadline.Token);
        }

        Assert.Equal(0, writer.PendingCount);
    }

    private OwnerStamp? StoredStamp() =>
        _redis.Get(MediaCacheKeys.Stamp(Owner)) is { } bytes ? System.Text.Json.JsonSerializer.Deserialize<OwnerStamp>(bytes) : null;

    /// <summary>Redis as the stamps see it: an in-memory distributed cache that fails every call while <see cref="Down"/>.</summary>
    private sealed class SwitchableRedis : IDistributedCache
    {
        private readonly MemoryDistributedCache _cache = new(Options.Create(new MemoryDistributedCacheOptions()));

        public bool Down { get; set; }

        public byte[]? Get(string key) => Up(() => _cache.Get(key));

        private TaskCompletionSource? _held;
        private int _reads;

        /// <summary>GETs made so far.</summary>
        public int Reads => Volatile.Read(ref _reads);

        /// <summary>Holds the answer of every GET until the returned source is completed (a read under way).</summary>
        public TaskCompletionSource HoldReads() => _held = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        public async Task<byte[]?> GetAsync(string key, CancellationToken token = default)
        {
            // Redis answers with the value as of the GET; a held read is one whose answer is still on its way.
            Interlocked.Increment(ref _reads);
            var value = await Up(() => _cache.GetAsync(key, token));
            if (_held is { } held)
            {
                await held.Task;
            }

            return value;
        }

        public void Set(string key, byte[] value, DistributedCacheEntryOptions options) => Up(() => { _cache.Set(key, value, options); return 0; });

        public Task SetAsync(string key, byte[] value, DistributedCacheEntryOptions options, CancellationToken token = default) =>
            Up(() => _cache.SetAsync(key, value, options, token));

        public void Refresh(string key) => Up(() => { _cache.Refresh(key); return 0; });

        public Task RefreshAsync(string key, CancellationToken token = default) => Up(() => _cache.RefreshAsync(key, token));

        public void Remove(string key) => _cache.Remove(key);

        public Task RemoveAsync(string key, CancellationToken token = default) => Up(() => _cache.RemoveAsync(key, token));

        private T Up<T>(Func<T> call) => Down ? throw new InvalidOperationException("Redis is down.") : call();
    }
}
