using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using Amazon.SQS;
using Amazon.SQS.Model;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Platform.Messaging;
using Platform.ServiceDefaults.Resilience;
using Platform.ServiceDefaults.Telemetry;

namespace Platform.Worker.Messaging;

/// <summary>
/// Long-polls the queue in batches of up to ten and hands each message to the handler for its type, at most
/// <see cref="QueueConsumerOptions.MaxConcurrency"/> at a time: a new batch is asked for only when a slot is free, so a
/// received message never waits hidden in memory. While a handler runs, its message's visibility is extended. A message
/// is deleted only after its handler finished; if the handler fails, the message comes back after a back-off and SQS
/// redelivers it, until the redrive policy moves it to the dead-letter queue.
/// <para>
/// On stop, no more messages are received; work in flight may finish for <see cref="QueueConsumerOptions.DrainTimeout"/>,
/// then it is cancelled and its messages are made visible at once for another worker. Nothing is lost either way.
/// </para>
/// <para>
/// A handler that fails because a dependency is down (Postgres, S3: see <c>DependencyFailures</c>) pauses receiving
/// until the Worker's health checks pass again, probing every <see cref="QueueConsumerOptions.DependencyProbeInterval"/>:
/// an outage then costs each message one delivery, not all of them, so it does not push messages to the dead-letter queue.
/// </para>
/// </summary>
public sealed partial class QueueConsumer : BackgroundService
{
    private const int MaxBatch = 10;

    /// <summary>How long SQS holds a receive open when no message is waiting (long polling).</summary>
    private const int LongPollSeconds = 20;

    /// <summary>
    /// A long poll answers within <see cref="LongPollSeconds"/>. One that does not (its connection dropped without being
    /// closed, an emulator restarted under it) would hold the Worker until the SDK's 100 s HTTP timeout, receiving
    /// nothing meanwhile; after this much longer it is abandoned and a new one starts.
    /// </summary>
    internal static readonly TimeSpan ReceiveTimeout = TimeSpan.FromSeconds(LongPollSeconds + 10);

    private readonly IAmazonSQS _sqs;
    private readonly SqsQueueSettings _queue;
    private readonly QueueConsumerOptions _options;
    private readonly IServiceScopeFactory _scopes;
    private readonly TimeProvider _clock;
    private readonly ILogger<QueueConsumer> _logger;
    private readonly Histogram<double> _lag;
    private readonly Counter<long> _deadLettered;
    private readonly Counter<long> _released;
    private readonly HealthCheckService? _health;
    private volatile bool _paused;

    public QueueConsumer(
        IAmazonSQS sqs,
        IOptions<SqsQueueSettings> queue,
        IOptions<QueueConsumerOptions> options,
        IServiceScopeFactory scopes,
        TimeProvider clock,
        IMeterFactory meters,
        ILogger<QueueConsumer> logger,
        HealthCheckService? health = null)
    {
        _health = health;
        _sqs = sqs;
        _queue = queue.Value;
        _options = options.Value;
        _scopes = scopes;
        _clock = clock;
        _logger = logger;
        var meter = meters.Create(PlatformTelemetry.MeterName);
        _lag = meter.CreateHistogram<double>("platform.queue.lag", "s", "Time from sending a message to a worker starting it.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300] });
        _deadLettered = meter.CreateCounter<long>("platform.queue.dead_lettered", "{message}", "Messages that failed their last delivery and went to the dead-letter queue.");
        _released = meter.CreateCounter<long>("platform.queue.released", "{message}", "In-flight messages handed back to the queue on shutdown.");
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var queueUrl = _queue.QueueUrl;
        LogStarted(_logger, queueUrl, _options.MaxConcurrency);

        using var slots = new SemaphoreSlim(_options.MaxConcurrency, _options.MaxConcurrency);
        using var abort = new CancellationTokenSource();
        var inFlight = new ConcurrentDictionary<Task, bool>();
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                if (_paused)
                {
                    await WaitForDependenciesAsync(stoppingToken);
                }

                await slots.WaitAsync(stoppingToken);
                var reserved = 1;
                while (reserved < MaxBatch && slots.Wait(0))
                {
                    reserved++;
                }

                List<Message> messages;
                using var receiveTimeout = new CancellationTokenSource(ReceiveTimeout, _clock);
                using var receiveCancellation = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, receiveTimeout.Token);
                try
                {
                    var response = await _sqs.ReceiveMessageAsync(new ReceiveMessageRequest
                    {
                        QueueUrl = queueUrl,
                        MaxNumberOfMessages = reserved,
                        WaitTimeSeconds = LongPollSeconds,
                        VisibilityTimeout = (int)_options.VisibilityTimeout.TotalSeconds,
                        MessageAttributeNames = QueueMessages.AttributeNames,
                        MessageSystemAttributeNames = ["ApproximateReceiveCount", "SentTimestamp"],
                    }, receiveCancellation.Token);
                    messages = response.Messages ?? [];
                }
                catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested && receiveTimeout.IsCancellationRequested)
                {
                    slots.Release(reserved);
                    LogReceiveAbandoned(_logger, ReceiveTimeout.TotalSeconds);
                    continue;
                }
                catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
                {
                    slots.Release(reserved);
                    LogReceiveFailed(_logger, ex);
                    await Task.Delay(TimeSpan.FromSeconds(2), _clock, stoppingToken);
                    continue;
                }
                catch
                {
                    slots.Release(reserved);
                    throw;
                }

                if (messages.Count < reserved)
                {
                    slots.Release(reserved - messages.Count);
                }

                foreach (var message in messages)
                {
                    var task = Task.Run(() => ProcessAsync(queueUrl, message, abort.Token), CancellationToken.None);
                    inFlight[task] = true;
                    _ = task.ContinueWith(t =>
                    {
                        inFlight.TryRemove(t, out _);
                        slots.Release();
                    }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: fall through to draining.
        }
        finally
        {
            await DrainAsync(inFlight, abort);
        }
    }

    private async Task DrainAsync(ConcurrentDictionary<Task, bool> inFlight, CancellationTokenSource abort)
    {
        var all = Task.WhenAll(inFlight.Keys);
        if (all.IsCompleted)
        {
            return;
        }

        LogDraining(_logger, inFlight.Count, _options.DrainTimeout);
        if (await Task.WhenAny(all, Task.Delay(_options.DrainTimeout, _clock)) != all)
        {
            await abort.CancelAsync();
            await all.ContinueWith(static _ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }
    }

    private async Task ProcessAsync(string queueUrl, Message message, CancellationToken abort)
    {
        using var activity = QueueMessages.StartProcessActivity(message, queueUrl);
        var type = QueueMessages.TypeOf(message);
        var receiveCount = SystemAttribute(message, "ApproximateReceiveCount") is { } count && int.TryParse(count, CultureInfo.InvariantCulture, out var n) ? n : 1;
        if (SystemAttribute(message, "SentTimestamp") is { } sent && long.TryParse(sent, CultureInfo.InvariantCulture, out var sentMs))
        {
            _lag.Record(Math.Max(0, (_clock.GetUtcNow() - DateTimeOffset.FromUnixTimeMilliseconds(sentMs)).TotalSeconds),
                new TagList { { "messaging.message.type", type ?? "unknown" } });
        }

        using var extender = CancellationTokenSource.CreateLinkedTokenSource(abort);
        var extending = ExtendVisibilityAsync(queueUrl, message, extender.Token);
        IMessageHandler? handler = null;
        try
        {
            await using var scope = _scopes.CreateAsyncScope();
            handler = scope.ServiceProvider.GetServices<IMessageHandler>().FirstOrDefault(h => h.MessageType == type)
                ?? throw new InvalidMessageException($"No handler for message type '{type ?? "(none)"}'.");
            try
            {
                // A job that outlives HandlerTimeout is given up (its slot freed, its message retried after the back-off),
                // even if what it waits for never answers: a stuck call must not stop this Worker for good.
                using var timeout = new CancellationTokenSource(_options.HandlerTimeout, _clock);
                using var deadline = CancellationTokenSource.CreateLinkedTokenSource(abort, timeout.Token);
                await handler.HandleAsync(message, deadline.Token).WaitAsync(deadline.Token);
            }
            catch (OperationCanceledException) when (!abort.IsCancellationRequested)
            {
                await FailedAsync(queueUrl, message, type, receiveCount, handler,
                    new TimeoutException($"The handler of message {message.MessageId} did not finish within {_options.HandlerTimeout}."), activity);
                return;
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !abort.IsCancellationRequested)
            {
                await FailedAsync(queueUrl, message, type, receiveCount, handler, ex, activity);
                return;
            }
        }
        catch (OperationCanceledException) when (abort.IsCancellationRequested)
        {
            // Shutting down and out of time: hand the message back now rather than after its visibility timeout.
            await ReleaseAsync(queueUrl, message);
            return;
        }
        catch (InvalidMessageException ex)
        {
            await FailedAsync(queueUrl, message, type, receiveCount, null, ex, activity);
            return;
        }
        finally
        {
            await extender.CancelAsync();
            await extending;
        }

        await _sqs.DeleteMessageAsync(queueUrl, message.ReceiptHandle, CancellationToken.None);
    }

    private async Task FailedAsync(string queueUrl, Message message, string? type, int receiveCount, IMessageHandler? handler, Exception error, Activity? activity)
    {
        activity?.AddException(error);
        activity?.SetStatus(ActivityStatusCode.Error);

        // A message that can never succeed goes to the dead-letter queue now: retrying it only delays the same end.
        // No outbox needed here: nothing in the database changes with it, and the message stays in its queue until the
        // copy is sent (send, then delete), so a failure in between only leaves a duplicate in the dead-letter queue.
        if (error is InvalidMessageException && _queue.DeadLetterQueueUrl is { Length: > 0 } dlq)
        {
            LogInvalid(_logger, message.MessageId, type, error.Message);
            await _sqs.SendMessageAsync(new SendMessageRequest { QueueUrl = dlq, MessageBody = message.Body, MessageAttributes = message.MessageAttributes }, CancellationToken.None);
            await _sqs.DeleteMessageAsync(queueUrl, message.ReceiptHandle, CancellationToken.None);
            _deadLettered.Add(1, new TagList { { "messaging.message.type", type ?? "unknown" } });
            return;
        }

        LogHandlerFailed(_logger, message.MessageId, type, receiveCount, error);
        if (DependencyFailures.IsUnavailable(error) && !_paused)
        {
            _paused = true;
            LogPaused(_logger, DependencyFailures.Find(error)?.Dependency ?? error.GetType().Name);
        }

        // Without a dead-letter queue there is no last delivery: the message comes back until it succeeds.
        if (_queue.MaxReceiveCount is { } maxReceiveCount && receiveCount >= maxReceiveCount)
        {
            // SQS moves it to the dead-letter queue on the next receive; count it and let the handler record the end.
            _deadLettered.Add(1, new TagList { { "messaging.message.type", type ?? "unknown" } });
            if (handler is not null)
            {
                try
                {
                    await handler.OnGivingUpAsync(message, error, CancellationToken.None);
                }
                catch (Exception ex)
                {
                    LogGivingUpFailed(_logger, message.MessageId, ex);
                }
            }

            return;
        }

        // Back off before the next try (5 s, 10 s, 20 s, …): a failing dependency is not hammered by every message.
        var backOff = TimeSpan.FromSeconds(Math.Min(5 * Math.Pow(2, receiveCount - 1), 900));
        await TryChangeVisibilityAsync(queueUrl, message, backOff);
    }

    /// <summary>Probes the health checks (liveness excluded) until none is unhealthy; Redis down is only degraded.</summary>
    private async Task WaitForDependenciesAsync(CancellationToken stoppingToken)
    {
        while (true)
        {
            await Task.Delay(_options.DependencyProbeInterval, _clock, stoppingToken);
            if (_health is null)
            {
                break;
            }

            var report = await _health.CheckHealthAsync(r => !r.Tags.Contains("live"), stoppingToken);
            if (report.Status != HealthStatus.Unhealthy)
            {
                break;
            }
        }

        _paused = false;
        LogResumed(_logger);
    }

    private async Task ReleaseAsync(string queueUrl, Message message)
    {
        _released.Add(1);
        LogReleased(_logger, message.MessageId);
        await TryChangeVisibilityAsync(queueUrl, message, TimeSpan.Zero);
    }

    /// <summary>Keeps the message hidden while its work runs: every third of the visibility timeout, extend it.</summary>
    private async Task ExtendVisibilityAsync(string queueUrl, Message message, CancellationToken ct)
    {
        using var timer = new PeriodicTimer(_options.VisibilityTimeout / 3, _clock);
        try
        {
            while (await timer.WaitForNextTickAsync(ct))
            {
                await TryChangeVisibilityAsync(queueUrl, message, _options.VisibilityTimeout);
            }
        }
        catch (OperationCanceledException)
        {
            // The work is over.
        }
    }

    private async Task TryChangeVisibilityAsync(string queueUrl, Message message, TimeSpan visibility)
    {
        try
        {
            await _sqs.ChangeMessageVisibilityAsync(queueUrl, message.ReceiptHandle, (int)visibility.TotalSeconds, CancellationToken.None);
        }
        catch (Exception ex) when (ex is AmazonSQSException or HttpRequestException or TimeoutException)
        {
            // The message comes back at its current timeout anyway.
            LogVisibilityFailed(_logger, message.MessageId, ex);
        }
    }

    private static string? SystemAttribute(Message message, string name) =>
        message.Attributes is { } attributes && attributes.TryGetValue(name, out var value) ? value : null;

    [LoggerMessage(Level = LogLevel.Information, Message = "Listening on {QueueUrl}, {MaxConcurrency} messages at a time")]
    private static partial void LogStarted(ILogger logger, string queueUrl, int maxConcurrency);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A receive from the queue did not answer within {Seconds} s; abandoned, receiving again")]
    private static partial void LogReceiveAbandoned(ILogger logger, double seconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Receiving from the queue failed; retrying")]
    private static partial void LogReceiveFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "Message {MessageId} of type {MessageType} failed on delivery {ReceiveCount}")]
    private static partial void LogHandlerFailed(ILogger logger, string messageId, string? messageType, int receiveCount, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The {Dependency} is unavailable: receiving paused until the health checks pass")]
    private static partial void LogPaused(ILogger logger, string dependency);

    [LoggerMessage(Level = LogLevel.Information, Message = "Dependencies are back: receiving again")]
    private static partial void LogResumed(ILogger logger);

    [LoggerMessage(Level = LogLevel.Error, Message = "Message {MessageId} of type {MessageType} is invalid ({Reason}); moved to the dead-letter queue")]
    private static partial void LogInvalid(ILogger logger, string messageId, string? messageType, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Recording the final failure of message {MessageId} failed")]
    private static partial void LogGivingUpFailed(ILogger logger, string messageId, Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "Stopping: waiting up to {DrainTimeout} for {Count} message(s) in flight")]
    private static partial void LogDraining(ILogger logger, int count, TimeSpan drainTimeout);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Message {MessageId} released to the queue unfinished (shutdown)")]
    private static partial void LogReleased(ILogger logger, string messageId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Changing the visibility of message {MessageId} failed")]
    private static partial void LogVisibilityFailed(ILogger logger, string messageId, Exception exception);
}
