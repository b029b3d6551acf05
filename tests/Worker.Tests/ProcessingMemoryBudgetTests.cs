using System.Threading.RateLimiting;
using Platform.Worker.Features.Media;

namespace Platform.Worker.Tests;

/// <summary>
/// What the Worker's jobs decode into together stays within the budget: small jobs run side by side, a job that does not
/// fit waits until a running one ends, and one larger than the whole budget runs alone.
/// </summary>
/// <remarks>
/// The limiter decides synchronously: a reservation that fits is granted before <c>ReserveAsync</c> returns, one that does
/// not is queued, so "still waiting" is a state these tests can assert, not a timing.
/// </remarks>
public sealed class ProcessingMemoryBudgetTests : IDisposable
{
    private const long MiB = 1024 * 1024;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);
    private readonly ProcessingMemoryBudget _budget = new(new MediaProcessingOptions { MaxProcessingMemoryBytes = 100 * MiB });

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Small_jobs_run_side_by_side()
    {
        using var first = await Granted(30 * MiB);
        using var second = await Granted(30 * MiB);
        using var third = await Granted(40 * MiB);

        Assert.True(first.IsAcquired && second.IsAcquired && third.IsAcquired);
    }

    [Theory]
    [InlineData(70, 40)]  // 30 MiB free, 40 needed
    [InlineData(500, 1)]  // a job larger than the budget holds all of it: even the smallest waits
    public async Task A_job_that_does_not_fit_waits_until_a_running_one_ends(long runningMiB, long waitingMiB)
    {
        var running = await Granted(runningMiB * MiB);
        var waiting = Requested(waitingMiB * MiB);

        Assert.False(waiting.IsCompleted);

        running.Dispose();
        using var granted = await Eventually(waiting);
        Assert.True(granted.IsAcquired);
    }

    [Fact]
    public async Task A_large_waiting_job_is_not_passed_by_smaller_ones_arriving_after_it()
    {
        var running = await Granted(70 * MiB);
        var large = Requested(40 * MiB);
        var small = Requested(10 * MiB);

        // 30 MiB are free, room for the small job, but the large one came first.
        Assert.False(small.IsCompleted);

        running.Dispose();
        using var first = await Eventually(large);
        using var second = await Eventually(small);
        Assert.True(first.IsAcquired && second.IsAcquired);
    }

    [Fact]
    public async Task A_waiting_job_whose_message_is_cancelled_stops_waiting_and_holds_nothing()
    {
        var running = await Granted(100 * MiB);
        using var cancel = new CancellationTokenSource();
        var waiting = _budget.ReserveAsync(10 * MiB, cancel.Token).AsTask();

        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Eventually(waiting));
        running.Dispose();
        using var next = await Granted(100 * MiB);
        Assert.True(next.IsAcquired);
    }

    public void Dispose() => _budget.Dispose();

    private Task<RateLimitLease> Requested(long bytes) => _budget.ReserveAsync(bytes, Ct).AsTask();

    private Task<RateLimitLease> Granted(long bytes) => Eventually(Requested(bytes));

    private static Task<RateLimitLease> Eventually(Task<RateLimitLease> reservation) => reservation.WaitAsync(Timeout, Ct);
}
