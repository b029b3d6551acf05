using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.StackExchangeRedis;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Platform.ServiceDefaults.Resilience;
using StackExchange.Redis;

namespace Platform.Caching;

/// <summary>
/// The owners' cache stamps in Redis: the media cache's invalidation, across processes.
/// <para>
/// Every cached response of an owner's media sits under that owner's <em>stamp</em>, a small entry in Redis (never held
/// in a process's memory; key <see cref="MediaCacheKeys.Stamp"/>). Any change — by the Api or by the Worker, in any
/// process — replaces the stamp (<see cref="InvalidateAsync"/>), so every entry filed under the old one is out of reach
/// at once, on every Api instance. This is key-based invalidation that works across processes: HybridCache's own tag
/// invalidation is remembered per process (a tag's invalidation time is read from L2 once and then kept), so a tag
/// removed by the Worker would not reach an Api instance that had already seen the tag. The stamp is all the Worker
/// knows of the cache.
/// </para>
/// <para>
/// The stamp also knows when the owner's data last changed. For a short window after a change the Api reads from the
/// primary instead of the read replica, so neither the user (read-your-writes) nor the cache ever picks up a row the
/// replica has not caught up with.
/// </para>
/// <para>
/// And what keeps the stamps honest when Redis goes away:
/// <list type="bullet">
/// <item>A read without Redis gets no stamp: the caller reads the primary and caches nothing.</item>
/// <item>A change without Redis leaves the owner <em>pending</em>; every second, and before the owner's next read, the
/// pending stamps are replaced once Redis answers. Entries cached before the outage are then out of reach.</item>
/// <item>After Redis comes back (this process saw a call fail, or the connection drop and return), a stamp older than
/// that return may predate a change another process could not announce, so it is replaced on its first read.</item>
/// </list>
/// So a reader never gets an entry older than the last change it could have known of; the worst left is an instance
/// that never lost Redis while another did, which sees the other's changes once that one reaches Redis again.
/// </para>
/// </summary>
public sealed partial class OwnerStamps : BackgroundService
{
    /// <summary>The key of Redis's <see cref="DependencyGuard"/> in the services.</summary>
    public const string GuardKey = "redis";

    private static readonly DistributedCacheEntryOptions EntryOptions = new() { AbsoluteExpirationRelativeToNow = TimeSpan.FromDays(1) };
    private static readonly TimeSpan CatchUpInterval = TimeSpan.FromSeconds(1);

    private readonly IDistributedCache _redis;
    private readonly DependencyGuard _guard;
    private readonly TimeProvider _clock;
    private readonly ILogger<OwnerStamps> _logger;
    private readonly IServiceProvider _services;
    private readonly ConcurrentDictionary<Guid, byte> _pending = new();
    private readonly ConcurrentDictionary<Guid, Task<OwnerStamp?>> _reads = new();
    private long _lostAtTicks;
    private long _recoveredAtTicks;

    public OwnerStamps(
        IDistributedCache redis,
        [FromKeyedServices(GuardKey)] DependencyGuard guard,
        IServiceProvider services,
        TimeProvider clock,
        ILogger<OwnerStamps> logger)
    {
        _redis = redis;
        _guard = guard;
        _clock = clock;
        _logger = logger;
        _services = services;
    }

    /// <summary>Owners whose stamp must still be replaced because Redis was not reachable when their data changed.</summary>
    public int PendingCount => _pending.Count;

    /// <summary>
    /// The owner's current stamp, made if there is none; null when Redis cannot be reached (do not cache).
    /// Requests of one owner that arrive while a read of its stamp is under way share that read (as HybridCache's
    /// stampede protection would): a gallery under load costs one Redis round trip per burst, not one per request. A
    /// change (<see cref="InvalidateAsync"/>) drops the shared read, so a read after it sees the new stamp.
    /// </summary>
    public async Task<OwnerStamp?> GetAsync(Guid ownerId, CancellationToken cancellationToken)
    {
        if (_reads.TryGetValue(ownerId, out var shared))
        {
            return await shared.WaitAsync(cancellationToken);
        }

        var read = ReadAsync(ownerId);
        _reads.TryAdd(ownerId, read);
        try
        {
            return await read.WaitAsync(cancellationToken);
        }
        finally
        {
            _reads.TryRemove(KeyValuePair.Create(ownerId, read));
        }
    }

    // Not cancelled with the request that started it, since others may share it; the guard's timeout bounds it.
    private async Task<OwnerStamp?> ReadAsync(Guid ownerId)
    {
        try
        {
            var bytes = await _guard.RunAsync(ct => _redis.GetAsync(MediaCacheKeys.Stamp(ownerId), ct), CancellationToken.None);
            Answered();
            var stamp = bytes is null ? null : JsonSerializer.Deserialize<OwnerStamp>(bytes);
            if (stamp is not null && !_pending.ContainsKey(ownerId) && stamp.ChangedAt.UtcTicks >= Interlocked.Read(ref _recoveredAtTicks))
            {
                return stamp;
            }

            // None (never set, evicted, or Redis restarted empty), or one that may predate a change nobody could announce.
            // Nobody knows when the data last changed, so the new stamp says "just now": the next fills come from the
            // primary for a moment, which is safe and cheap.
            stamp = await WriteNewStampAsync(ownerId);
            _pending.TryRemove(ownerId, out _);
            return stamp;
        }
        catch (DependencyUnavailableException)
        {
            Lost();
            return null;
        }
    }

    /// <summary>
    /// Replaces the owner's stamp: everything cached for the owner is stale from now on. Call it after the change is
    /// committed. Never fails for Redis's sake, and is not cancelled with the request: a change that is committed must
    /// reach the cache, now or when Redis is back.
    /// </summary>
    public async Task InvalidateAsync(Guid ownerId)
    {
        _reads.TryRemove(ownerId, out _);
        _pending[ownerId] = 0;

        // Always tried: while Redis's circuit is open the guard refuses at once, and after its break the next call is the
        // one that tests Redis again. (Skipping the call while the circuit reads open would keep it open for good in a
        // process that only writes stamps, as the Worker does: its changes would never reach the cache again.)
        await TryReplaceAsync(ownerId);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Here rather than in the constructor: the multiplexer connects when it is first resolved, and this runs beside the
        // host's start instead of before it (a connect is a few round trips the service need not wait for).
        if (_services.GetService<IConnectionMultiplexer>() is { } multiplexer)
        {
            // Seen even when this process makes no call meanwhile (a quiet Api while Redis restarts).
            multiplexer.ConnectionFailed += (_, _) => Lost();
            multiplexer.ConnectionRestored += (_, _) => Answered();
        }

        using var timer = new PeriodicTimer(CatchUpInterval, _clock);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            if (_pending.IsEmpty)
            {
                continue;
            }

            var replaced = 0;
            foreach (var ownerId in _pending.Keys)
            {
                // Replaced meanwhile by the change that made it pending: another new stamp would only make every cached
                // entry of the owner unreachable for nothing.
                if (!_pending.ContainsKey(ownerId))
                {
                    continue;
                }

                // Never throws (every Redis failure is the guard's), so this loop outlives any outage.
                if (!await TryReplaceAsync(ownerId))
                {
                    break;
                }

                replaced++;
            }

            if (replaced > 0)
            {
                LogCaughtUp(_logger, replaced, _pending.Count);
            }
        }
    }

    private async Task<bool> TryReplaceAsync(Guid ownerId)
    {
        try
        {
            await WriteNewStampAsync(ownerId);
            // A read that began while the new stamp was being written may have read the old one: nobody joins it now.
            _reads.TryRemove(ownerId, out _);
            _pending.TryRemove(ownerId, out _);
            Answered();
            return true;
        }
        catch (DependencyUnavailableException)
        {
            Lost();
            return false;
        }
    }

    /// <summary>Writes a new stamp, dated now, for the owner (through Redis's guard, which throws when Redis cannot be used).</summary>
    private async Task<OwnerStamp> WriteNewStampAsync(Guid ownerId)
    {
        var stamp = new OwnerStamp(Guid.NewGuid(), _clock.GetUtcNow());
        await _guard.RunAsync(ct => _redis.SetAsync(MediaCacheKeys.Stamp(ownerId), JsonSerializer.SerializeToUtf8Bytes(stamp), EntryOptions, ct), CancellationToken.None);
        return stamp;
    }

    private void Lost()
    {
        if (Interlocked.CompareExchange(ref _lostAtTicks, _clock.GetUtcNow().UtcTicks, 0) == 0)
        {
            LogLost(_logger);
        }
    }

    private void Answered()
    {
        if (Interlocked.Exchange(ref _lostAtTicks, 0) != 0)
        {
            var now = _clock.GetUtcNow();
            Interlocked.Exchange(ref _recoveredAtTicks, now.UtcTicks);
            LogRecovered(_logger, _pending.Count);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Redis is not reachable: media reads go to the database and cache nothing until it is back")]
    private static partial void LogLost(ILogger logger);

    [LoggerMessage(Level = LogLevel.Information, Message = "Redis answers again; {Pending} owners' cache stamps still to replace, and stamps older than now are replaced on first read")]
    private static partial void LogRecovered(ILogger logger, int pending);

    [LoggerMessage(Level = LogLevel.Information, Message = "Replaced {Replaced} cache stamps that changed while Redis was away; {Left} left")]
    private static partial void LogCaughtUp(ILogger logger, int replaced, int left);
}

/// <summary>An owner's cache generation: <see cref="Version"/> names the entries, <see cref="ChangedAt"/> the last change.</summary>
public sealed record OwnerStamp(Guid Version, DateTimeOffset ChangedAt);

public static class OwnerStampsExtensions
{
    /// <summary>
    /// The owners' stamps (<see cref="OwnerStamps"/>) in Redis, through <c>IDistributedCache</c> on the connection Aspire's
    /// Redis client already manages (one multiplexer per process, with its health check and tracing), behind Redis's
    /// <see cref="DependencyGuard"/>. That <c>IDistributedCache</c> is also what a HybridCache in the same process uses as
    /// its second level.
    /// </summary>
    public static IServiceCollection AddOwnerStamps(this IServiceCollection services)
    {
        services.AddStackExchangeRedisCache(_ => { });
        services.AddOptions<RedisCacheOptions>().Configure<IServiceProvider>((options, sp) =>
            options.ConnectionMultiplexerFactory = () => Task.FromResult(sp.GetRequiredService<IConnectionMultiplexer>()));

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
