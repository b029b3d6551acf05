using System.Buffers;
using System.Text;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;
using Platform.Caching;

namespace Platform.Api.Features.Media.Caching;

/// <summary>
/// The Api's cache of what it answers about media: an item, a page of the list, the statuses of a set of items — each
/// as the JSON bytes and ETag the client receives (<see cref="RenderedResponse"/>). HybridCache: this instance's memory
/// first (L1), then Redis (L2, shared by every Api instance), and on a miss the caller renders the response from the
/// database; concurrent misses of one key share one rendering.
/// <para>
/// Keys (<see cref="MediaCacheKeys"/>) hold the owner's stamp (<see cref="OwnerStamps"/>), which every change by any
/// process replaces: entries are never invalidated, only left behind. Without a stamp (Redis cannot be reached) the
/// caller renders and caches nothing.
/// </para>
/// <para>
/// <see cref="RenderedResponse"/> is immutable (sealed, <c>[ImmutableObject(true)]</c>), so HybridCache keeps the
/// instance itself in L1 and an L1 hit returns it: no copy, no deserialization. An entry lives
/// <c>Media:RenderedCacheExpiration</c> at most and never past the <c>notAfter</c> its caller gives (the end of the URL
/// window whose URLs it carries); in memory no longer than <see cref="MemoryLifetime"/>. L1 is the process's
/// <see cref="IMemoryCache"/>, bounded to <see cref="MemoryLimitBytes"/> of serialized entries: beyond that the least
/// recently used go.
/// </para>
/// </summary>
public sealed class RenderedMediaCache(HybridCache cache, TimeProvider clock, IOptions<MediaOptions> options)
{
    /// <summary>
    /// The most bytes of entries the Api keeps in memory (HybridCache's L1, sizes as serialized): a page of 20 items with
    /// its URLs is about 30 KB, so some two thousand pages; whatever memory does not hold, Redis does.
    /// </summary>
    public const long MemoryLimitBytes = 64L * 1024 * 1024;

    /// <summary>
    /// The longest an entry stays in memory. Every change makes new keys, so most entries in memory are ones a change
    /// left behind, and they are garbage only once they leave: kept a minute they outlived the collector's younger
    /// generations and made the oldest one grow (about 20 MB more of the Api's resident memory under the bench's mixed
    /// load, docs/performance.md). What is read again and again (a gallery, a polled set of statuses) is fetched from
    /// Redis again after this, one read per key and instance.
    /// </summary>
    public static readonly TimeSpan MemoryLifetime = TimeSpan.FromSeconds(10);

    /// <summary>
    /// The response under <paramref name="key"/>: from memory, from Redis, or rendered by <paramref name="render"/>
    /// (which may answer null, "no such item", and that is cached too) and kept until <paramref name="notAfter"/> at most.
    /// </summary>
    public ValueTask<RenderedResponse?> GetOrRenderAsync<TState>(
        string key, DateTimeOffset notAfter, TState state, Func<TState, CancellationToken, ValueTask<RenderedResponse?>> render, CancellationToken ct)
    {
        var lifetime = notAfter - clock.GetUtcNow();
        if (lifetime > options.Value.RenderedCacheExpiration)
        {
            lifetime = options.Value.RenderedCacheExpiration;
        }

        if (lifetime <= TimeSpan.Zero)
        {
            // The window ended while the request was on its way here: what would be rendered is already out of date.
            return render(state, ct);
        }

        var entry = new HybridCacheEntryOptions { Expiration = lifetime, LocalCacheExpiration = lifetime < MemoryLifetime ? lifetime : MemoryLifetime };
        return cache.GetOrCreateAsync(key, state, render, entry, cancellationToken: ct);
    }
}

/// <summary>
/// A <see cref="RenderedResponse"/> as Redis keeps it: a kind byte (<c>0</c>: "no such item", <c>1</c>: a response),
/// then the ETag's length in one byte, the ETag (ASCII) and the body as is. Smaller than JSON (which would write the
/// body in base64) and read without parsing.
/// </summary>
public sealed class RenderedResponseSerializer : IHybridCacheSerializer<RenderedResponse?>
{
    private const byte Absent = 0;
    private const byte Present = 1;

    public RenderedResponse? Deserialize(ReadOnlySequence<byte> source)
    {
        var reader = new SequenceReader<byte>(source);
        if (!reader.TryRead(out var kind) || kind > Present)
        {
            throw new InvalidDataException("A cached media response has an unknown form.");
        }

        if (kind == Absent)
        {
            return null;
        }

        if (!reader.TryRead(out var tagLength) || reader.Remaining < tagLength)
        {
            throw new InvalidDataException("A cached media response is cut short.");
        }

        var tag = Encoding.ASCII.GetString(reader.UnreadSequence.Slice(0, tagLength));
        reader.Advance(tagLength);
        return new RenderedResponse(reader.UnreadSequence.ToArray(), tag);
    }

    public void Serialize(RenderedResponse? value, IBufferWriter<byte> target)
    {
        if (value is null)
        {
            target.Write([Absent]);
            return;
        }

        var tagLength = Encoding.ASCII.GetByteCount(value.ETag);
        if (tagLength > byte.MaxValue)
        {
            throw new ArgumentException("An ETag of more than 255 characters cannot be cached.", nameof(value));
        }

        var header = target.GetSpan(2 + tagLength);
        header[0] = Present;
        header[1] = (byte)tagLength;
        Encoding.ASCII.GetBytes(value.ETag, header[2..]);
        target.Advance(2 + tagLength);
        target.Write(value.Body);
    }
}

public static class RenderedMediaCacheExtensions
{
    /// <summary>
    /// The rendered responses' cache and what it stands on: the owners' stamps and Redis as HybridCache's L2
    /// (<see cref="OwnerStampsExtensions.AddOwnerStamps"/>), and the memory bound of L1.
    /// </summary>
    public static IServiceCollection AddRenderedMediaCache(this IServiceCollection services)
    {
        services.AddOwnerStamps();
        services.AddHybridCache().AddSerializer<RenderedResponse?, RenderedResponseSerializer>();
        // HybridCache gives every entry it keeps in memory its serialized size, so the process's memory cache can be
        // bounded (the Api's other HybridCache user, SessionStamps, is sized the same way). Expired entries are removed
        // by a scan the cache runs at most this often (a minute by default): as often as the entries expire.
        services.Configure<MemoryCacheOptions>(options =>
        {
            options.SizeLimit = RenderedMediaCache.MemoryLimitBytes;
            options.ExpirationScanFrequency = RenderedMediaCache.MemoryLifetime;
        });
        services.AddSingleton<RenderedMediaCache>();
        return services;
    }
}
