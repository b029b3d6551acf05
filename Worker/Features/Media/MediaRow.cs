using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Platform.Media;

namespace Platform.Worker.Features.Media;

/// <summary>
/// The Worker's view of <c>media_items</c>: what it reads to find the file and the columns it writes. The Api owns the
/// table (and its migrations); these names must match its <c>MediaItemConfiguration</c>.
/// </summary>
public sealed class MediaRow
{
    public Guid Id { get; set; }

    public Guid OwnerId { get; set; }

    public string ContentType { get; set; } = "";

    public long Size { get; set; }

    public string ObjectKey { get; set; } = "";

    public MediaStatus Status { get; set; }

    public int? Width { get; set; }

    public int? Height { get; set; }

    public int? PageCount { get; set; }

    public string? FailureReason { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }

    public DateTimeOffset? ProcessedAt { get; set; }

    public string? ProcessedTraceId { get; set; }
}

internal sealed class MediaRowConfiguration : IEntityTypeConfiguration<MediaRow>
{
    public void Configure(EntityTypeBuilder<MediaRow> builder)
    {
        builder.ToTable("media_items");
        builder.HasKey(m => m.Id);
        builder.Property(m => m.Id).HasColumnName("id");
        builder.Property(m => m.OwnerId).HasColumnName("owner_id");
        builder.Property(m => m.ContentType).HasColumnName("content_type");
        builder.Property(m => m.Size).HasColumnName("size");
        builder.Property(m => m.ObjectKey).HasColumnName("object_key");
        builder.Property(m => m.Status).HasColumnName("status").HasConversion(s => s.ToText(), s => MediaStatusText.Parse(s));
        builder.Property(m => m.Width).HasColumnName("width");
        builder.Property(m => m.Height).HasColumnName("height");
        builder.Property(m => m.PageCount).HasColumnName("page_count");
        builder.Property(m => m.FailureReason).HasColumnName("failure_reason");
        builder.Property(m => m.UpdatedAt).HasColumnName("updated_at");
        builder.Property(m => m.ProcessedAt).HasColumnName("processed_at");
        builder.Property(m => m.ProcessedTraceId).HasColumnName("processed_trace_id");
    }
}
