using System.ComponentModel.DataAnnotations;

namespace Platform.Api.Features.Media;

/// <summary>Settings of the media feature (section <c>Media</c>). Validated at start: a wrong value names its key.</summary>
public sealed class MediaOptions
{
    public const string SectionName = "Media";

    /// <summary>The content types a client may upload, and so the ones the Worker knows how to process.</summary>
    public static readonly IReadOnlySet<string> AllowedContentTypes = new HashSet<string>(StringComparer.Ordinal)
    {
        "image/jpeg", "image/png", "image/webp", "image/gif", "application/pdf",
    };

    /// <summary>The largest file a client may declare, in bytes (default 100 MB).</summary>
    [Range(1, 5L * 1024 * 1024 * 1024, ErrorMessage = "Media:MaxUploadBytes must be between 1 and 5 GiB (S3's single PUT limit).")]
    public long MaxUploadBytes { get; set; } = 100L * 1024 * 1024;

    /// <summary>How long a presigned upload URL stays valid.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "01:00:00", ErrorMessage = "Media:UploadUrlLifetime must be between 1 and 60 minutes.")]
    public TimeSpan UploadUrlLifetime { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>How long a presigned download or thumbnail URL stays valid.</summary>
    [Range(typeof(TimeSpan), "00:00:30", "01:00:00", ErrorMessage = "Media:DownloadUrlLifetime must be between 30 seconds and 60 minutes.")]
    public TimeSpan DownloadUrlLifetime { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// After a change, reads fill the cache from the primary instead of the replica for this long, so a replica that
    /// lags behind can never put an old row into the cache. Above RDS's usual replica lag, well below a user's patience.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:05:00", ErrorMessage = "Media:ReadYourWritesWindow must be between 0 and 5 minutes.")]
    public TimeSpan ReadYourWritesWindow { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long item and list reads stay in Redis (they are invalidated on every change anyway).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00", ErrorMessage = "Media:CacheExpiration must be between 1 second and 1 hour.")]
    public TimeSpan CacheExpiration { get; set; } = TimeSpan.FromMinutes(5);
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
