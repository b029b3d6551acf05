using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Platform.Data;

/// <summary>
/// One round trip Api → SQS → Worker: the Api records it, the Worker stamps when it received it. Both map <c>pings</c>
/// with <see cref="PingConfiguration"/>.
/// </summary>
public sealed class Ping
{
    public Guid Id { get; set; }

    /// <summary>The user who sent it: the only one who may read it. Null for pings sent before owners were recorded.</summary>
    public Guid? OwnerId { get; set; }

    public DateTimeOffset SentAt { get; set; }

    public DateTimeOffset? ReceivedAt { get; set; }

    /// <summary>The trace the Worker saw the message in: equal to the Api's when context propagation works.</summary>
    public string? ReceivedTraceId { get; set; }

    public string? SentTraceId { get; set; }
}

public sealed class PingConfiguration : IEntityTypeConfiguration<Ping>
{
    public void Configure(EntityTypeBuilder<Ping> builder)
    {
        builder.ToTable("pings");
        builder.HasKey(p => p.Id);
        builder.Property(p => p.Id).HasColumnName("id");
        builder.Property(p => p.OwnerId).HasColumnName("owner_id");
        builder.Property(p => p.SentAt).HasColumnName("sent_at");
        builder.Property(p => p.ReceivedAt).HasColumnName("received_at");
        builder.Property(p => p.SentTraceId).HasColumnName("sent_trace_id").HasMaxLength(32);
        builder.Property(p => p.ReceivedTraceId).HasColumnName("received_trace_id").HasMaxLength(32);
    }
}
