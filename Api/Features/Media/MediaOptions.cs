using System.ComponentModel.DataAnnotations;
using Platform.Media;

namespace Platform.Api.Features.Media;

/// <summary>Settings of the media feature (section <c>Media</c>). Validated at start: a wrong value names its key.</summary>
public sealed class MediaOptions : IValidatableObject
{
    public const string SectionName = "Media";

    /// <summary>S3's smallest part (every part but the last must be at least this big) and the smallest useful threshold.</summary>
    public const long MinPartBytes = 5L * 1024 * 1024;

    /// <summary>
    /// The most parts one upload may have. S3 allows 10,000, but every part is a presigned URL in the create response
    /// and an entry of about 65 bytes in the complete request, whose body must stay under the Api's 64 KiB request
    /// limit with room to spare (500 parts: about 32 KiB).
    /// </summary>
    public const int MaxParts = 500;

    /// <summary>The largest file a client may declare, in bytes (default 100 MB). The Worker reads the same key.</summary>
    [Range(1, MediaLimits.MaxSinglePutBytes, ErrorMessage = "Media:MaxUploadBytes must be between 1 and 5 GiB (S3's single PUT limit).")]
    public long MaxUploadBytes { get; set; } = MediaLimits.DefaultMaxUploadBytes;

    /// <summary>
    /// Files larger than this are uploaded in parts (S3 multipart upload, one presigned URL per part); smaller ones in
    /// one PUT. AWS advises multipart for large objects (parts can be retried and sent in parallel), and S3 emulators
    /// take far less than S3 in one request (fauxqs: about 11 MiB), so this stays well below both.
    /// </summary>
    [Range(MinPartBytes, MediaLimits.MaxSinglePutBytes, ErrorMessage = "Media:MultipartThresholdBytes must be between 5 MiB and 5 GiB.")]
    public long MultipartThresholdBytes { get; set; } = 8L * 1024 * 1024;

    /// <summary>The size of each part of a multipart upload but the last (which holds the rest).</summary>
    [Range(MinPartBytes, MediaLimits.MaxSinglePutBytes, ErrorMessage = "Media:MultipartPartSizeBytes must be between 5 MiB (S3's smallest part) and 5 GiB.")]
    public long MultipartPartSizeBytes { get; set; } = 8L * 1024 * 1024;

    /// <summary>How long a presigned upload URL stays valid.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "01:00:00", ErrorMessage = "Media:UploadUrlLifetime must be between 1 and 60 minutes.")]
    public TimeSpan UploadUrlLifetime { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>
    /// How long after its upload URLs expire a never-completed item is kept: complete still works until then (a PUT
    /// started just before the URL expired may finish after it). Then the item, its upload and any open multipart
    /// upload are removed (<see cref="PendingUploadSweeper"/>), and it no longer counts against the owner's quota.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "7.00:00:00", ErrorMessage = "Media:PendingUploadGrace must be between 0 and 7 days.")]
    public TimeSpan PendingUploadGrace { get; set; } = TimeSpan.FromHours(1);

    /// <summary>How often each Api instance looks for expired pending uploads.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00", ErrorMessage = "Media:PendingCleanupInterval must be between 1 second and 1 hour.")]
    public TimeSpan PendingCleanupInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>The most expired uploads one sweep removes (it sweeps again at once while it finds a full batch).</summary>
    [Range(1, 1000, ErrorMessage = "Media:PendingCleanupBatchSize must be between 1 and 1000.")]
    public int PendingCleanupBatchSize { get; set; } = 100;

    /// <summary>
    /// The most bytes one user's items may declare together (default 10 GiB), pending uploads included: they count
    /// from the moment their URL is handed out until they are completed and then deleted, or until they expire.
    /// </summary>
    [Range(1, long.MaxValue, ErrorMessage = "Media:QuotaBytes must be a positive number of bytes.")]
    public long QuotaBytes { get; set; } = 10L * 1024 * 1024 * 1024;

    /// <summary>The most items one user may have (default 10,000), pending uploads included.</summary>
    [Range(1, 10_000_000, ErrorMessage = "Media:QuotaItems must be between 1 and 10000000.")]
    public int QuotaItems { get; set; } = 10_000;

    /// <summary>
    /// After a change, reads go to the primary instead of the replica for this long, so a replica that lags behind can
    /// never put an old row into the cache. Above RDS's usual replica lag, well below a user's patience.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:05:00", ErrorMessage = "Media:ReadYourWritesWindow must be between 0 and 5 minutes.")]
    public TimeSpan ReadYourWritesWindow { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How long a rendered response (an item, a list page, a set of statuses) stays cached at most, in memory and in Redis;
    /// never past the end of the URL window whose URLs it carries. A change puts the owner's entries out of reach at
    /// once anyway (see <c>RenderedMediaCache</c>): this bounds how long the ones left behind take room.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00", ErrorMessage = "Media:RenderedCacheExpiration must be between 1 second and 1 hour.")]
    public TimeSpan RenderedCacheExpiration { get; set; } = TimeSpan.FromMinutes(5);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (QuotaBytes > 0 && QuotaBytes < MaxUploadBytes)
        {
            yield return new ValidationResult(
                $"Media:QuotaBytes ({QuotaBytes}) is below Media:MaxUploadBytes ({MaxUploadBytes}): the largest file allowed would never fit.",
                [nameof(QuotaBytes)]);
        }

        if (MultipartPartSizeBytes > 0 && MediaLimits.PartCount(MaxUploadBytes, MultipartPartSizeBytes) > MaxParts)
        {
            yield return new ValidationResult(
                $"Media:MultipartPartSizeBytes ({MultipartPartSizeBytes}) is too small for Media:MaxUploadBytes ({MaxUploadBytes}): " +
                $"the largest file would need more than {MaxParts} parts.",
                [nameof(MultipartPartSizeBytes)]);
        }
    }
}

/// <summary>
/// Per-user limit on media writes (section <c>Media:WriteRateLimit</c>): a token bucket that allows a burst of
/// <see cref="BurstLimit"/> and refills <see cref="TokensPerSecond"/> tokens a second.
/// </summary>
public sealed class WriteRateLimitOptions
{
    [Range(1, 100_000, ErrorMessage = "Media:WriteRateLimit:BurstLimit must be between 1 and 100000.")]
    public int BurstLimit { get; set; } = 30;

    [Range(1, 100_000, ErrorMessage = "Media:WriteRateLimit:TokensPerSecond must be between 1 and 100000.")]
    public int TokensPerSecond { get; set; } = 5;
}
