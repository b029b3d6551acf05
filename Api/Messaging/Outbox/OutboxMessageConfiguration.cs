using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Platform.Messaging.Outbox;

/// <summary>The <c>outbox_messages</c> table. Public so that any DbContext that shares the database can apply it.</summary>
public sealed class OutboxMessageConfiguration : IEntityTypeConfiguration<OutboxMessage>
{
    public const int MaxErrorLength = 500;

    /// <summary>An error text cut to what <c>last_error</c> holds.</summary>
    public static string Truncate(string error) => error.Length <= MaxErrorLength ? error : error[..MaxErrorLength];

    /// <summary>What <c>last_error</c> records of a failed send.</summary>
    public static string FailureOf(Exception error) => Truncate($"{error.GetType().Name}: {error.Message}");

    public void Configure(EntityTypeBuilder<OutboxMessage> builder)
    {
        builder.ToTable("outbox_messages");
        builder.HasKey(m => m.Id);
        builder.Property(m => m.Id).HasColumnName("id").ValueGeneratedNever();
        builder.Property(m => m.Type).HasColumnName("type").HasMaxLength(100);
        builder.Property(m => m.Body).HasColumnName("body").HasColumnType("jsonb");
        builder.Property(m => m.TraceParent).HasColumnName("trace_parent").HasMaxLength(55);
        builder.Property(m => m.TraceState).HasColumnName("trace_state").HasMaxLength(512);
        builder.Property(m => m.CreatedAt).HasColumnName("created_at");
        builder.Property(m => m.SentAt).HasColumnName("sent_at");
        builder.Property(m => m.Attempts).HasColumnName("attempts");
        builder.Property(m => m.NextAttemptAt).HasColumnName("next_attempt_at");
        builder.Property(m => m.LastError).HasColumnName("last_error").HasMaxLength(MaxErrorLength);

        // What the dispatcher looks for (unsent and due), and what the clean-up removes (sent long ago): both stay small.
        builder.HasIndex(m => m.NextAttemptAt).HasFilter("sent_at IS NULL").HasDatabaseName("ix_outbox_messages_unsent");
        builder.HasIndex(m => m.SentAt).HasFilter("sent_at IS NOT NULL").HasDatabaseName("ix_outbox_messages_sent");
    }
}
