using System.Diagnostics;
using Amazon.SQS;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Platform.ServiceDefaults.Resilience;

namespace Platform.Messaging.Outbox;

/// <summary>
/// Sends the outbox's messages that did not leave at commit (see <see cref="Outbox{TContext}.SendAsync"/>) and marks them
/// sent: those whose send failed (woken by <see cref="OutboxSignal"/>, then again when each falls due after its back-off)
/// and those whose request stopped before sending (found at the next <see cref="OutboxOptions.PollInterval"/> once their
/// <see cref="OutboxOptions.ImmediateSendGrace"/> is over).
/// <para>
/// At least once: a message is marked sent only after SQS accepted it, so a crash in between sends it again (receivers
/// are idempotent). Several Api instances share the work: each takes the rows it sends with <c>FOR UPDATE SKIP LOCKED</c>.
/// A failed send is tried again after a back-off; with the queue or the database down, nothing is lost, only delayed.
/// </para>
/// </summary>
public sealed partial class OutboxDispatcher<TContext>(
    IServiceScopeFactory scopes,
    IAmazonSQS sqs,
    IOptions<SqsQueueSettings> queue,
    IOptions<OutboxOptions> options,
    [FromKeyedServices(OutboxDispatcher<TContext>.QueueGuardKey)] DependencyGuard queueGuard,
    OutboxSignal signal,
    TimeProvider clock,
    ILogger<OutboxDispatcher<TContext>> logger) : BackgroundService
    where TContext : DbContext
{
    public const string QueueGuardKey = "sqs";

    private bool _failing;
    private DateTimeOffset _nextCleanUp;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        while (!stoppingToken.IsCancellationRequested)
        {
            var more = false;
            try
            {
                more = await DispatchBatchAsync(settings, stoppingToken);
                if (clock.GetUtcNow() >= _nextCleanUp)
                {
                    await RemoveSentAsync(settings, stoppingToken);
                    _nextCleanUp = clock.GetUtcNow() + TimeSpan.FromMinutes(10);
                }

                if (_failing)
                {
                    _failing = false;
                    LogRecovered(logger);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                // The database is down (or the schema not there yet): the messages wait in it, nothing to lose.
                if (!_failing)
                {
                    _failing = true;
                    LogFailing(logger, ex);
                }
            }

            if (!more)
            {
                var wait = _failing ? Min(settings.PollInterval, settings.MaxRetryDelay) : await UntilNextDueAsync(settings, stoppingToken);
                await signal.WaitAsync(wait, stoppingToken).ContinueWith(
                    static _ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            }
        }
    }

    /// <summary>Sends one batch of due messages; true when a full batch went out and more may be waiting.</summary>
    private async Task<bool> DispatchBatchAsync(OutboxOptions settings, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<TContext>();
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var now = clock.GetUtcNow();
        var batch = await db.Set<OutboxMessage>()
            .FromSql($"SELECT * FROM outbox_messages WHERE sent_at IS NULL AND next_attempt_at <= {now} ORDER BY id LIMIT {settings.BatchSize} FOR UPDATE SKIP LOCKED")
            .ToListAsync(ct);
        if (batch.Count == 0)
        {
            return false;
        }

        var sent = 0;
        foreach (var message in batch)
        {
            try
            {
                await message.SendAsync(sqs, queue.Value.QueueUrl, queueGuard, ct);
                message.SentAt = clock.GetUtcNow();
                sent++;
            }
            catch (Exception ex) when (!ct.IsCancellationRequested)
            {
                message.Attempts++;
                message.NextAttemptAt = clock.GetUtcNow() + settings.RetryDelay(message.Attempts);
                message.LastError = OutboxMessageConfiguration.FailureOf(ex);
                LogSendFailed(logger, message.Id, message.Type, message.Attempts, ex.Message);

                // The queue is probably down for all of them: the rest of the batch waits for the next round.
                break;
            }
        }

        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        return sent == batch.Count && batch.Count == settings.BatchSize;
    }

    /// <summary>
    /// How long until the earliest unsent message falls due (a retry after its back-off, or one whose request never sent
    /// it), at most <see cref="OutboxOptions.PollInterval"/>: a long poll interval never delays a retry.
    /// </summary>
    private async Task<TimeSpan> UntilNextDueAsync(OutboxOptions settings, CancellationToken ct)
    {
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<TContext>();
            var next = await db.Set<OutboxMessage>().Where(m => m.SentAt == null).MinAsync(m => (DateTimeOffset?)m.NextAttemptAt, ct);
            // Not sooner than MinWait: a due message another instance is sending right now (locked) is not spun on.
            return next is { } due ? Min(settings.PollInterval, Max(MinWait, due - clock.GetUtcNow())) : settings.PollInterval;
        }
        catch (Exception) when (!ct.IsCancellationRequested)
        {
            // The next round reports it (the database is down): look again soon.
            return Min(settings.PollInterval, settings.MaxRetryDelay);
        }
    }

    private static readonly TimeSpan MinWait = TimeSpan.FromMilliseconds(100);

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    private async Task RemoveSentAsync(OutboxOptions settings, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<TContext>();
        var before = clock.GetUtcNow() - settings.KeepSentFor;
        await db.Set<OutboxMessage>().Where(m => m.SentAt != null && m.SentAt < before).ExecuteDeleteAsync(ct);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sending outbox message {MessageId} ({MessageType}) failed on attempt {Attempts}: {Reason}")]
    private static partial void LogSendFailed(ILogger logger, Guid messageId, string messageType, int attempts, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The outbox cannot be read; its messages wait in the database until it answers")]
    private static partial void LogFailing(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "The outbox can be read again")]
    private static partial void LogRecovered(ILogger logger);
}
