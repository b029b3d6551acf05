using System.Diagnostics;
using Amazon.SQS;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Platform.ServiceDefaults.Resilience;

namespace Platform.Messaging.Outbox;

/// <summary>
/// Sends the outbox's messages to the queue and marks them sent. Woken by <see cref="OutboxSignal"/> right after a commit,
/// and every <see cref="OutboxOptions.PollInterval"/> anyway (messages of another instance that crashed, retries).
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
                await signal.WaitAsync(settings.PollInterval, stoppingToken).ContinueWith(
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
                ActivityContext.TryParse(message.TraceParent, message.TraceState, isRemote: true, out var parent);
                await queueGuard.RunAsync(
                    token => sqs.SendJsonAsync(queue.Value.QueueUrl, message.Type, message.Body, parent, token), ct);
                message.SentAt = clock.GetUtcNow();
                sent++;
            }
            catch (Exception ex) when (!ct.IsCancellationRequested)
            {
                message.Attempts++;
                message.NextAttemptAt = clock.GetUtcNow() + settings.RetryDelay(message.Attempts);
                var error = $"{ex.GetType().Name}: {ex.Message}";
                message.LastError = error.Length <= OutboxMessageConfiguration.MaxErrorLength ? error : error[..OutboxMessageConfiguration.MaxErrorLength];
                LogSendFailed(logger, message.Id, message.Type, message.Attempts, ex.Message);

                // The queue is probably down for all of them: the rest of the batch waits for the next round.
                break;
            }
        }

        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        return sent == batch.Count && batch.Count == settings.BatchSize;
    }

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
