using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Platform.Messaging.Outbox;

/// <summary>
/// A message waiting to be sent, written in the same transaction as the change it announces (the transactional outbox,
/// as in dotnet/eShop's IntegrationEventLog): if the change is committed, the message will be sent — at least once —
/// whatever happens to the request, the process or the queue meanwhile. <see cref="OutboxDispatcher{TContext}"/> sends it.
/// </summary>
public sealed class OutboxMessage
{
    public Guid Id { get; set; }

    /// <summary>The message type (see <c>MessageTypes</c>), sent as the <c>type</c> attribute.</summary>
    public string Type { get; set; } = "";

    /// <summary>The body, already JSON.</summary>
    public string Body { get; set; } = "";

    /// <summary>The W3C trace context of the change, so the receiver continues the trace that made it.</summary>
    public string? TraceParent { get; set; }

    public string? TraceState { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>When the queue accepted it; null while it waits.</summary>
    public DateTimeOffset? SentAt { get; set; }

    /// <summary>Failed attempts so far.</summary>
    public int Attempts { get; set; }

    /// <summary>Not tried again before this time (a back-off after failed attempts).</summary>
    public DateTimeOffset NextAttemptAt { get; set; }

    /// <summary>Why the last attempt failed (the exception's type and message), for operators.</summary>
    public string? LastError { get; set; }
}

/// <summary>The <c>outbox_messages</c> table. Public so that any DbContext that shares the database can apply it.</summary>
public sealed class OutboxMessageConfiguration : IEntityTypeConfiguration<OutboxMessage>
{
    public const int MaxErrorLength = 500;

    /// <summary>An error text cut to what <c>last_error</c> holds.</summary>
    public static string Truncate(string error) => error.Length <= MaxErrorLength ? error : error[..MaxErrorLength];

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
