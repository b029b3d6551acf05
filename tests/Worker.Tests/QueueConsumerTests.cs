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

    private readonly FakeQueue queue = new();
    private readonly TestHandler handler = new();
    private ServiceProvider? services;
    private QueueConsumer? consumer;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_message_is_deleted_only_after_its_handler_has_finished()
    {
        var message = queue.Add(Type);
        await StartAsync();

        await handler.WaitForStartedAsync(1);
        Assert.Empty(queue.Deleted);

        handler.Release();
        await WaitUntilAsync(() => queue.Deleted.Contains(message.ReceiptHandle));
    }

    [Fact]
    public async Task No_more_messages_are_handled_at_once_than_the_limit_and_no_more_are_received_than_there_are_free_slots()
    {
        for (var i = 0; i < 7; i++)
        {
            queue.Add(Type);
        }

        await StartAsync(o => o.MaxConcurrency = 3);
        await handler.WaitForStartedAsync(3);
        await Task.Delay(100, Ct); // time for a wrong consumer to take more
        Assert.Equal(3, handler.Running);
        Assert.All(queue.RequestedBatchSizes, size => Assert.InRange(size, 1, 3));

        handler.Release();
        await WaitUntilAsync(() => queue.Deleted.Count == 7);
        Assert.Equal(3, handler.MaxRunning);
    }

    [Fact]
    public async Task A_long_job_keeps_extending_its_message_visibility()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var message = queue.Add(Type);
        await StartAsync(o => o.VisibilityTimeout = TimeSpan.FromSeconds(30), clock);
        await handler.WaitForStartedAsync(1);

        for (var i = 0; i < 3; i++)
        {
            clock.Advance(TimeSpan.FromSeconds(10));
            var expected = i + 1;
            await WaitUntilAsync(() => queue.VisibilityChanges.Count(c => c.ReceiptHandle == message.ReceiptHandle) >= expected);
        }

        Assert.All(queue.VisibilityChanges, change => Assert.Equal(30, change.Seconds));
        handler.Release();
        await WaitUntilAsync(() => queue.Deleted.Contains(message.ReceiptHandle));
    }

    [Fact]
    public async Task A_failed_message_is_not_deleted_and_comes_back_after_a_back_off()
    {
        handler.Fail = true;
        var message = queue.Add(Type, receiveCount: 2);
        await StartAsync();

        await WaitUntilAsync(() => queue.VisibilityChanges.Any(c => c.ReceiptHandle == message.ReceiptHandle));

        Assert.Equal(10, queue.VisibilityChanges.Single(c => c.ReceiptHandle == message.ReceiptHandle).Seconds);
        Assert.Empty(queue.Deleted);
        Assert.Equal(0, handler.GaveUp);
    }

    [Fact]
    public async Task A_job_that_never_ends_is_given_up_after_the_handler_timeout_and_its_message_comes_back()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        handler.IgnoreCancellation = true; // as a call that never answers
        var message = queue.Add(Type);
        await StartAsync(o => o.HandlerTimeout = TimeSpan.FromMinutes(10), clock);
        await handler.WaitForStartedAsync(1);

        clock.Advance(TimeSpan.FromMinutes(10));

        // Given up: the message backs off (5 s after a first delivery) instead of being held for ever, and is not deleted.
        await WaitUntilAsync(() => queue.VisibilityChanges.Any(c => c.ReceiptHandle == message.ReceiptHandle && c.Seconds == 5));
        Assert.Empty(queue.Deleted);
        handler.Release();
    }

    [Fact]
    public async Task On_its_last_delivery_a_failing_message_is_left_for_the_dead_letter_queue_and_the_handler_records_the_end()
    {
        handler.Fail = true;
        queue.Add(Type, receiveCount: 5);
        await StartAsync(maxReceiveCount: 5);

        await WaitUntilAsync(() => handler.GaveUp == 1);

        Assert.Empty(queue.Deleted);
        Assert.Empty(queue.VisibilityChanges); // no back-off: SQS moves it on its next receive
    }

    [Fact]
    public async Task A_message_nobody_can_handle_goes_to_the_dead_letter_queue_at_once()
    {
        var message = queue.Add("nobody.handles.this.v1", body: """{"x":1}""");
        await StartAsync();

        await WaitUntilAsync(() => queue.Deleted.Contains(message.ReceiptHandle));

        var moved = Assert.Single(queue.SentToDeadLetter);
        Assert.Equal("""{"x":1}""", moved.MessageBody);
        Assert.Equal("nobody.handles.this.v1", moved.MessageAttributes["type"].StringValue);
    }

    [Fact]
    public async Task On_stop_work_that_finishes_within_the_drain_time_is_completed_and_deleted()
    {
        var message = queue.Add(Type);
        handler.FinishWhenStopping = true;
        await StartAsync(o => o.DrainTimeout = TimeSpan.FromSeconds(5));
        await handler.WaitForStartedAsync(1);

        await consumer!.StopAsync(Ct);

        Assert.Contains(message.ReceiptHandle, queue.Deleted);
        Assert.DoesNotContain(queue.VisibilityChanges, c => c.ReceiptHandle == message.ReceiptHandle);
    }

    [Fact]
    public async Task On_stop_work_that_does_not_finish_in_time_is_released_to_the_queue_not_lost()
    {
        var message = queue.Add(Type);
        await StartAsync(o => o.DrainTimeout = TimeSpan.FromMilliseconds(200));
        await handler.WaitForStartedAsync(1);

        await consumer!.StopAsync(Ct);

        Assert.DoesNotContain(message.ReceiptHandle, queue.Deleted);
        Assert.Contains((message.ReceiptHandle, 0), queue.VisibilityChanges);
        Assert.True(handler.Cancelled);
    }

    private async Task StartAsync(Action<QueueConsumerOptions>? configure = null, TimeProvider? clock = null, int maxReceiveCount = 5)
    {
        var options = new QueueConsumerOptions { MaxConcurrency = 2, DrainTimeout = TimeSpan.FromSeconds(2) };
        configure?.Invoke(options);
        services = new ServiceCollection()
            .AddLogging()
            .AddMetrics()
            .AddSingleton(handler)
            .AddScoped<IMessageHandler>(sp => sp.GetRequiredService<TestHandler>())
            .BuildServiceProvider();
        consumer = new QueueConsumer(
            queue.Client,
            Options.Create(new SqsQueueSettings { QueueUrl = FakeQueue.Url, DeadLetterQueueUrl = FakeQueue.DeadLetterUrl, MaxReceiveCount = maxReceiveCount }),
            Options.Create(options),
            services.GetRequiredService<IServiceScopeFactory>(),
            clock ?? TimeProvider.System,
            services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>(),
            services.GetRequiredService<Microsoft.Extensions.Logging.ILogger<QueueConsumer>>());
        await consumer.StartAsync(Ct);
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
        handler.Release();
        if (consumer is not null)
        {
            await consumer.StopAsync(CancellationToken.None);
            consumer.Dispose();
        }

        if (services is not null)
        {
            await services.DisposeAsync();
        }
    }

    /// <summary>A handler the test steers: it blocks until released (or cancelled), can fail, and counts what it saw.</summary>
    private sealed class TestHandler : IMessageHandler
    {
        private readonly TaskCompletionSource release = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly ConcurrentQueue<TaskCompletionSource> waiters = new();
        private int running;
        private int started;
        private int maxRunning;
        private int gaveUp;

        public string MessageType => Type;

        public bool Fail { get; set; }

        public bool FinishWhenStopping { get; set; }

        /// <summary>Waits for <see cref="Release"/> whatever its token says.</summary>
        public bool IgnoreCancellation { get; set; }

        public bool Cancelled { get; private set; }

        public int Running => Volatile.Read(ref running);

        public int MaxRunning => Volatile.Read(ref maxRunning);

        public int GaveUp => Volatile.Read(ref gaveUp);

        public void Release() => release.TrySetResult();

        public async Task WaitForStartedAsync(int count)
        {
            await WaitUntilAsync(() => Volatile.Read(ref started) >= count);
        }

        public async Task HandleAsync(Message message, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref started);
            var now = Interlocked.Increment(ref running);
            InterlockedMax(ref maxRunning, now);
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

                await (IgnoreCancellation ? release.Task : release.Task.WaitAsync(cancellationToken));
            }
            catch (OperationCanceledException)
            {
                Cancelled = true;
                throw;
            }
            finally
            {
                Interlocked.Decrement(ref running);
            }
        }

        public Task OnGivingUpAsync(Message message, Exception error, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref gaveUp);
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
