using System.Diagnostics;
using System.Text.Json;
using Amazon.SQS;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Platform.ServiceDefaults.Resilience;

namespace Platform.Messaging.Outbox;

/// <summary>
/// Adds messages to a DbContext's outbox, and sends them once the change they announce is committed.
/// <para>
/// <see cref="Enqueue{T}"/> adds a message: the next <c>SaveChanges</c> saves it inside the transaction that saves the
/// change. Once that transaction has committed, the caller calls <see cref="SendAsync"/>, which sends the messages right
/// away, in the same request, and marks them sent: the Worker hears of the change without waiting for the dispatcher.
/// Until <see cref="OutboxOptions.ImmediateSendGrace"/> has passed the dispatcher leaves a new message to its request,
/// so it is not sent twice; a message the request could not send (SQS down, the process gone) is the dispatcher's from
/// then on, with the same retries as before. Receivers are idempotent either way: a message marked sent too late (the
/// database failed just after SQS took it) is sent again by the dispatcher, and handled again harmlessly.
/// </para>
/// </summary>
public sealed partial class Outbox<TContext>(
    TContext db,
    IAmazonSQS sqs,
    IOptions<SqsQueueSettings> queue,
    IOptions<OutboxOptions> options,
    [FromKeyedServices(OutboxDispatcher<TContext>.QueueGuardKey)] DependencyGuard queueGuard,
    OutboxSignal signal,
    TimeProvider clock,
    ILogger<Outbox<TContext>> logger) where TContext : DbContext
{
    private readonly List<OutboxMessage> _enqueued = [];

    public void Enqueue<T>(string type, T body)
    {
        var now = clock.GetUtcNow();
        var message = new OutboxMessage
        {
            Id = Guid.CreateVersion7(now),
            Type = type,
            Body = JsonSerializer.Serialize(body, QueueMessages.Json),
            TraceParent = Activity.Current?.IdFormat == ActivityIdFormat.W3C ? Activity.Current.Id : null,
            TraceState = Activity.Current?.TraceStateString,
            CreatedAt = now,
            // The request sends it at commit; the dispatcher takes it only if that has not happened by then.
            NextAttemptAt = now + options.Value.ImmediateSendGrace,
        };
        db.Set<OutboxMessage>().Add(message);
        _enqueued.Add(message);
    }

    /// <summary>
    /// Sends the messages enqueued so far, after the transaction that saved them has committed (never before: a rollback
    /// would leave a message about a change that never happened). Best-effort: it never throws for the queue or the
    /// database; whatever it could not send stays in the outbox for the dispatcher. Not cancelled with the request: once
    /// the change is committed its message should leave now, and each call is bounded by the queue's guard.
    /// </summary>
    public async Task SendAsync()
    {
        if (db.Database.CurrentTransaction is not null)
        {
            throw new InvalidOperationException("Outbox messages are sent after their transaction has committed, not inside it.");
        }

        var messages = _enqueued.ToArray();
        _enqueued.Clear();
        foreach (var message in messages)
        {
            if (db.Entry(message).State != EntityState.Unchanged)
            {
                // Never saved (the change failed before SaveChanges): there is nothing to announce.
                continue;
            }

            try
            {
                await message.SendAsync(sqs, queue.Value.QueueUrl, queueGuard, CancellationToken.None);
            }
            catch (Exception ex)
            {
                LogSendFailed(logger, message.Id, message.Type, ex.Message);
                await HandOverAsync(message, ex);
                continue;
            }

            try
            {
                var sentAt = clock.GetUtcNow();
                await db.Set<OutboxMessage>()
                    .Where(m => m.Id == message.Id && m.SentAt == null)
                    .ExecuteUpdateAsync(s => s.SetProperty(m => m.SentAt, sentAt), CancellationToken.None);
            }
            catch (Exception ex)
            {
                // SQS has it; the row still says unsent, so the dispatcher sends it again after the grace (receivers are
                // idempotent).
                LogNotMarked(logger, message.Id, message.Type, ex.Message);
            }
        }
    }

    /// <summary>Records the failed attempt and makes the message the dispatcher's now, with its back-off; wakes it.</summary>
    private async Task HandOverAsync(OutboxMessage message, Exception error)
    {
        try
        {
            var next = clock.GetUtcNow() + options.Value.RetryDelay(1);
            var reason = OutboxMessageConfiguration.FailureOf(error);
            await db.Set<OutboxMessage>()
                .Where(m => m.Id == message.Id && m.SentAt == null)
                .ExecuteUpdateAsync(s => s
                    .SetProperty(m => m.Attempts, m => m.Attempts + 1)
                    .SetProperty(m => m.NextAttemptAt, next)
                    .SetProperty(m => m.LastError, reason), CancellationToken.None);
        }
        catch (Exception ex)
        {
            // The row keeps its grace: the dispatcher takes it a little later.
            LogNotMarked(logger, message.Id, message.Type, ex.Message);
        }

        signal.Notify();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sending outbox message {MessageId} ({MessageType}) at commit failed, the dispatcher retries it: {Reason}")]
    private static partial void LogSendFailed(ILogger logger, Guid messageId, string messageType, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Outbox message {MessageId} ({MessageType}) could not be updated after its send at commit; the dispatcher takes it: {Reason}")]
    private static partial void LogNotMarked(ILogger logger, Guid messageId, string messageType, string reason);
}
