using System.Diagnostics;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;

namespace Platform.Messaging.Outbox;

/// <summary>
/// Adds messages to a DbContext's outbox: they are saved by the next <c>SaveChanges</c>, inside the transaction that
/// saves the change they announce, and sent once that transaction commits.
/// </summary>
public sealed class Outbox<TContext>(TContext db, TimeProvider clock) where TContext : DbContext
{
    public void Enqueue<T>(string type, T body)
    {
        var now = clock.GetUtcNow();
        db.Set<OutboxMessage>().Add(new OutboxMessage
        {
            Id = Guid.CreateVersion7(now),
            Type = type,
            Body = JsonSerializer.Serialize(body, QueueMessages.Json),
            TraceParent = Activity.Current?.IdFormat == ActivityIdFormat.W3C ? Activity.Current.Id : null,
            TraceState = Activity.Current?.TraceStateString,
            CreatedAt = now,
            NextAttemptAt = now,
        });
    }
}
