using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Platform.Media;

namespace Platform.Data;

/// <summary>
/// One uploaded file: what the client declared, where its bytes are, and what the Worker found out. The one mapping of
/// <c>media_items</c>: the Api (which owns the schema and its migrations) and the Worker (which moves items along) both
/// map it with <see cref="MediaItemConfiguration"/>.
/// </summary>
public sealed class MediaItem
{
    public const int MaxFileNameLength = 255;

    /// <summary>The longest reason a failed item keeps; longer ones are cut (see <see cref="TruncateFailureReason"/>).</summary>
    public const int MaxFailureReasonLength = 500;

    public Guid Id { get; set; }

    public Guid OwnerId { get; set; }

    /// <summary>The client's file name, kept for display and downloads only; never part of a key or a path.</summary>
    public string FileName { get; set; } = "";

    public string ContentType { get; set; } = "";

    public long Size { get; set; }

    /// <summary>Server-chosen, from the owner's and the item's ids (see <c>MediaObjectKeys</c>).</summary>
    public string ObjectKey { get; set; } = "";

    /// <summary>
    /// The S3 multipart upload still open for this item (files above <c>Media:MultipartThresholdBytes</c>): set at
    /// create, cleared once the upload is verified. Kept server-side only: clients address parts through presigned URLs.
    /// </summary>
    public string? MultipartUploadId { get; set; }

    /// <summary>The part size the upload was started with, so a later change of the setting cannot break it.</summary>
    public long? MultipartPartSize { get; set; }

    /// <summary>How many parts the client must send; 0 for a single-PUT upload.</summary>
    public int MultipartPartCount => MultipartPartSize is { } partSize ? MediaLimits.PartCount(Size, partSize) : 0;

    /// <summary>
    /// When the item's upload URLs stop working; null once it is no longer pending. A pending item is removed with its
    /// bytes some time after this (<c>Media:PendingUploadGrace</c>): complete must come before then.
    /// </summary>
    public DateTimeOffset? UploadExpiresAt { get; set; }

    public MediaStatus Status { get; set; }

    public int? Width { get; set; }

    public int? Height { get; set; }

    public int? PageCount { get; set; }

    public string? FailureReason { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }

    public DateTimeOffset? UploadedAt { get; set; }

    public DateTimeOffset? ProcessedAt { get; set; }

    /// <summary>The trace of the request that completed the upload…</summary>
    public string? CompleteTraceId { get; set; }

    /// <summary>…and the trace the Worker processed it in: equal when trace context crosses the queue.</summary>
    public string? ProcessedTraceId { get; set; }

    public static string TruncateFailureReason(string reason) =>
        reason.Length <= MaxFailureReasonLength ? reason : reason[..MaxFailureReasonLength];
}

/// <summary>
/// Table, columns, lengths and the status's text form of <c>media_items</c>. The owner's foreign key to the Identity
/// users is added by the Api, whose model holds that table.
/// </summary>
public sealed class MediaItemConfiguration : IEntityTypeConfiguration<MediaItem>
{
    public void Configure(EntityTypeBuilder<MediaItem> builder)
    {
        builder.ToTable("media_items");
        builder.HasKey(m => m.Id);
        builder.Property(m => m.Id).HasColumnName("id").ValueGeneratedNever();
        builder.Property(m => m.OwnerId).HasColumnName("owner_id");
        builder.Property(m => m.FileName).HasColumnName("file_name").HasMaxLength(MediaItem.MaxFileNameLength);
        builder.Property(m => m.ContentType).HasColumnName("content_type").HasMaxLength(100);
        builder.Property(m => m.Size).HasColumnName("size");
        builder.Property(m => m.ObjectKey).HasColumnName("object_key").HasMaxLength(200);
        // S3 documents no length for upload ids (they are opaque; AWS's are about 100-200 characters).
        builder.Property(m => m.MultipartUploadId).HasColumnName("multipart_upload_id").HasMaxLength(1024);
        builder.Property(m => m.MultipartPartSize).HasColumnName("multipart_part_size");
        builder.Property(m => m.UploadExpiresAt).HasColumnName("upload_expires_at");
        builder.Property(m => m.Status).HasColumnName("status").HasMaxLength(16)
            .HasConversion(s => s.ToText(), s => MediaStatusText.Parse(s));
        builder.Property(m => m.Width).HasColumnName("width");
        builder.Property(m => m.Height).HasColumnName("height");
        builder.Property(m => m.PageCount).HasColumnName("page_count");
        builder.Property(m => m.FailureReason).HasColumnName("failure_reason").HasMaxLength(MediaItem.MaxFailureReasonLength);
        builder.Property(m => m.CreatedAt).HasColumnName("created_at");
        builder.Property(m => m.UpdatedAt).HasColumnName("updated_at");
        builder.Property(m => m.UploadedAt).HasColumnName("uploaded_at");
        builder.Property(m => m.ProcessedAt).HasColumnName("processed_at");
        builder.Property(m => m.CompleteTraceId).HasColumnName("complete_trace_id").HasMaxLength(32);
        builder.Property(m => m.ProcessedTraceId).HasColumnName("processed_trace_id").HasMaxLength(32);

        // A user's items, newest first: the list query reads this index in order.
        builder.HasIndex(m => new { m.OwnerId, m.CreatedAt, m.Id }).IsDescending(false, true, true);

        // The expired pending uploads, oldest first, without reading the rest of the table.
        builder.HasIndex(m => m.UploadExpiresAt).HasFilter("status = 'pending'");
    }
}
