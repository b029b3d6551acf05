using System.Collections.Concurrent;
using Amazon.SQS.Model;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Platform.Worker.Messaging;

namespace Platform.Worker.Tests;

/// <summary>
/// The consumer's promises, against an in-memory queue: delete only after the work is done, never more work at once
/// than allowed, keep long work's message hidden, back off failures, and on stop finish or release what is in flight.
/// </summary>
public sealed class QueueConsumerTests : IAsyncDisposable
{
    private const string Type = "test.work.v1";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    private readonly FakeQueue _queue = new();
    private readonly TestHandler _handler = new();
    private ServiceProvider? _services;
    private QueueConsumer? _consumer;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_message_is_deleted_only_after_its_handler_has_finished()
    {
        var message = _queue.Add(Type);
        await StartAsync();

        await _handler.WaitForStartedAsync(1);
        Assert.Empty(_queue.Deleted);

        _handler.Release();
        await WaitUntilAsync(() => _queue.Deleted.Contains(message.ReceiptHandle));
    }

    [Fact]
    public async Task No_more_messages_are_handled_at_once_than_the_limit_and_no_more_are_received_than_there_are_free_slots()
    {
        for (var i = 0; i < 7; i++)
        {
            _queue.Add(Type);
        }

        await StartAsync(o => o.MaxConcurrency = 3);
        await _handler.WaitForStartedAsync(3);
        await Task.Delay(100, Ct); // time for a wrong consumer to take more
        Assert.Equal(3, _handler.Running);
        Assert.All(_queue.RequestedBatchSizes, size => Assert.InRange(size, 1, 3));

        _handler.Release();
        await WaitUntilAsync(() => _queue.Deleted.Count == 7);
        Assert.Equal(3, _handler.MaxRunning);
    }

    [Fact]
    public async Task A_long_job_keeps_extending_its_message_visibility()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var message = _queue.Add(Type);
        await StartAsync(o => o.VisibilityTimeout = TimeSpan.FromSeconds(30), clock);
        await _handler.WaitForStartedAsync(1);

        for (var i = 0; i < 3; i++)
        {
            clock.Advance(TimeSpan.FromSeconds(10));
            var expected = i + 1;
            await WaitUntilAsync(() => _queue.VisibilityChanges.Count(c => c.ReceiptHandle == message.ReceiptHandle) >= expected);
        }

        Assert.All(_queue.VisibilityChanges, change => Assert.Equal(30, change.Seconds));
        _handler.Release();
        await WaitUntilAsync(() => _queue.Deleted.Contains(message.ReceiptHandle));
    }

    [Fact]
    public async Task A_receive_that_never_answers_is_abandoned_and_the_waiting_message_is_processed()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        _queue.HangingReceives = 1;
        var message = _queue.Add(Type);
        await StartAsync(clock: clock);
        await WaitUntilAsync(() => _queue.Receives == 1);

        clock.Advance(QueueConsumer.ReceiveTimeout);
        _handler.Release();

        await WaitUntilAsync(() => _queue.Deleted.Contains(message.ReceiptHandle));
    }

    [Fact]
    public async Task A_failed_message_is_not_deleted_and_comes_back_after_a_back_off()
    {
        _handler.Fail = true;
        var message = _queue.Add(Type, receiveCount: 2);
        await StartAsync();

        await WaitUntilAsync(() => _queue.VisibilityChanges.Any(c => c.ReceiptHandle == message.ReceiptHandle));

        Assert.Equal(10, _queue.VisibilityChanges.Single(c => c.ReceiptHandle == message.ReceiptHandle).Seconds);
        Assert.Empty(_queue.Deleted);
        Assert.Equal(0, _handler.GaveUp);
    }

    [Fact]
    public async Task A_job_that_never_ends_is_given_up_after_the_handler_timeout_and_its_message_comes_back()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        _handler.IgnoreCancellation = true; // as a call that never answers
        var message = _queue.Add(Type);
        await StartAsync(o => o.HandlerTimeout = TimeSpan.FromMinutes(10), clock);
        await _handler.WaitForStartedAsync(1);

        clock.Advance(TimeSpan.FromMinutes(10));

        // Given up: the message backs off (5 s after a first delivery) instead of being held for ever, and is not deleted.
        await WaitUntilAsync(() => _queue.VisibilityChanges.Any(c => c.ReceiptHandle == message.ReceiptHandle && c.Seconds == 5));
        Assert.Empty(_queue.Deleted);
        _handler.Release();
    }

    [Fact]
    public async Task On_its_last_delivery_a_failing_message_is_left_for_the_dead_letter_queue_and_the_handler_records_the_end()
    {
        _handler.Fail = true;
        _queue.Add(Type, receiveCount: 5);
        await StartAsync(maxReceiveCount: 5);

        await WaitUntilAsync(() => _handler.GaveUp == 1);

        Assert.Empty(_queue.Deleted);
        Assert.Empty(_queue.VisibilityChanges); // no back-off: SQS moves it on its next receive
    }

    [Fact]
    public async Task A_message_nobody_can_handle_goes_to_the_dead_letter_queue_at_once()
    {
        var message = _queue.Add("nobody.handles.this.v1", body: """{"x":1}""");
        await StartAsync();

        await WaitUntilAsync(() => _queue.Deleted.Contains(message.ReceiptHandle));

        var moved = Assert.Single(_queue.SentToDeadLetter);
        Assert.Equal("""{"x":1}""", moved.MessageBody);
        Assert.Equal("nobody.handles.this.v1", moved.MessageAttributes["type"].StringValue);
    }

    [Fact]
    public async Task On_stop_work_that_finishes_within_the_drain_time_is_completed_and_deleted()
    {
        var message = _queue.Add(Type);
        _handler.FinishWhenStopping = true;
        await StartAsync(o => o.DrainTimeout = TimeSpan.FromSeconds(5));
        await _handler.WaitForStartedAsync(1);

        await _consumer!.StopAsync(Ct);

        Assert.Contains(message.ReceiptHandle, _queue.Deleted);
        Assert.DoesNotContain(_queue.VisibilityChanges, c => c.ReceiptHandle == message.ReceiptHandle);
    }

    [Fact]
    public async Task On_stop_work_that_does_not_finish_in_time_is_released_to_the_queue_not_lost()
    {
        var message = _queue.Add(Type);
        await StartAsync(o => o.DrainTimeout = TimeSpan.FromMilliseconds(200));
        await _handler.WaitForStartedAsync(1);

        await _consumer!.StopAsync(Ct);

        Assert.DoesNotContain(message.ReceiptHandle, _queue.Deleted);
        Assert.Contains((message.ReceiptHandle, 0), _queue.VisibilityChanges);
        Assert.True(_handler.Cancelled);
    }

    private async Task StartAsync(Action<QueueConsumerOptions>? configure = null, TimeProvider? clock = null, int maxReceiveCount = 5)
    {
        var options = new QueueConsumerOptions { MaxConcurrency = 2, DrainTimeout = TimeSpan.FromSeconds(2) };
        configure?.Invoke(options);
        _services = new ServiceCollection()
            .AddLogging()
            .AddMetrics()
            .AddSingleton(_handler)
            .AddScoped<IMessageHandler>(sp => sp.GetRequiredService<TestHandler>())
            .BuildServiceProvider();
        _consumer = new QueueConsumer(
            _queue.Client,
            Options.Create(new SqsQueueSettings { QueueUrl = FakeQueue.Url, DeadLetterQueueUrl = FakeQueue.DeadLetterUrl, MaxReceiveCount = maxReceiveCount }),
            Options.Create(options),
            _services.GetRequiredService<IServiceScopeFactory>(),
            clock ?? TimeProvider.System,
            _services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>(),
            _services.GetRequiredService<Microsoft.Extensions.Logging.ILogger<QueueConsumer>>());
        await _consumer.StartAsync(Ct);
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        cts.CancelAfter(Timeout);
        while (!condition())
        {
            await Task.Delay(10, cts.Token);
        }
    }

    public async ValueTask DisposeAsync()
    {
        _handler.Release();
        if (_consumer is not null)
        {
            await _consumer.StopAsync(CancellationToken.None);
            _consumer.Dispose();
        }

        if (_services is not null)
        {
            await _services.DisposeAsync();
        }
    }

    /// <summary>A handler the test steers: it blocks until released (or cancelled), can fail, and counts what it saw.</summary>
    private sealed class TestHandler : IMessageHandler
    {
        private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _running;
        private int _started;
        private int _maxRunning;
        private int _gaveUp;

        public string MessageType => Type;

        public bool Fail { get; set; }

        public bool FinishWhenStopping { get; set; }

        /// <summary>Waits for <see cref="Release"/> whatever its token says.</summary>
        public bool IgnoreCancellation { get; set; }

        public bool Cancelled { get; private set; }

        public int Running => Volatile.Read(ref _running);

        public int MaxRunning => Volatile.Read(ref _maxRunning);

        public int GaveUp => Volatile.Read(ref _gaveUp);

        public void Release() => _release.TrySetResult();

        public async Task WaitForStartedAsync(int count)
        {
            await WaitUntilAsync(() => Volatile.Read(ref _started) >= count);
        }

        public async Task HandleAsync(Message message, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _started);
            var now = Interlocked.Increment(ref _running);
            InterlockedMax(ref _maxRunning, now);
            try
            {
                if (Fail)
                {
                    throw new InvalidOperationException("The work failed.");
                }

                if (FinishWhenStopping)
                {
                    // Finishes a moment after it started: inside any reasonable drain time.
                    await Task.Delay(300, CancellationToken.None);
                    return;
                }

                await (IgnoreCancellation ? _release.Task : _release.Task.WaitAsync(cancellationToken));
            }
            catch (OperationCanceledException)
            {
                Cancelled = true;
                throw;
            }
            finally
            {
                Interlocked.Decrement(ref _running);
            }
        }

        public Task OnGivingUpAsync(Message message, Exception error, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _gaveUp);
            return Task.CompletedTask;
        }

        private static void InterlockedMax(ref int target, int value)
        {
            int current;
            while (value > (current = Volatile.Read(ref target)) && Interlocked.CompareExchange(ref target, value, current) != current)
            {
            }
        }
    }
}
