using Platform.Worker.Features.Media;

namespace Platform.Worker.Tests;

/// <summary>
/// What the Worker's jobs decode into together stays within the budget: small jobs run side by side, a job that does not
/// fit waits until a running one ends, and one larger than the whole budget runs alone.
/// </summary>
public sealed class ProcessingMemoryBudgetTests : IDisposable
{
    private const long MiB = 1024 * 1024;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private readonly ProcessingMemoryBudget _budget = new(new MediaProcessingOptions { MaxProcessingMemoryBytes = 100 * MiB });

    [Fact]
    public async Task Small_jobs_run_side_by_side()
    {
        using var first = await _budget.ReserveAsync(30 * MiB, Ct).AsTask().WaitAsync(Timeout, Ct);
        using var second = await _budget.ReserveAsync(30 * MiB, Ct).AsTask().WaitAsync(Timeout, Ct);
        using var third = await _budget.ReserveAsync(40 * MiB, Ct).AsTask().WaitAsync(Timeout, Ct);

        Assert.True(first.IsAcquired && second.IsAcquired && third.IsAcquired);
    }

    [Fact]
    public async Task A_job_that_does_not_fit_waits_until_a_running_one_ends()
    {
        var running = await _budget.ReserveAsync(70 * MiB, Ct).AsTask().WaitAsync(Timeout, Ct);
        var waiting = _budget.ReserveAsync(40 * MiB, Ct).AsTask();

        // The limiter decides synchronously: a reservation that fits is granted at once, one that does not is queued.
        Assert.False(waiting.IsCompleted);

        running.Dispose();
        using var granted = await waiting.WaitAsync(Timeout, Ct);
        Assert.True(granted.IsAcquired);
    }

    [Fact]
    public async Task A_large_waiting_job_is_not_passed_by_smaller_ones_arriving_after_it()
    {
        var running = await _budget.ReserveAsync(70 * MiB, Ct).AsTask().WaitAsync(Timeout, Ct);
        var large = _budget.ReserveAsync(40 * MiB, Ct).AsTask();
        var small = _budget.ReserveAsync(10 * MiB, Ct).AsTask();

        // 30 MiB are free, room for the small job, but the large one came first.
        Assert.False(small.IsCompleted);

        running.Dispose();
        using var first = await large.WaitAsync(Timeout, Ct);
        using var second = await small.WaitAsync(Timeout, Ct);
        Assert.True(first.IsAcquired && second.IsAcquired);
    }

    [Fact]
    public async Task A_job_larger_than_the_budget_runs_alone()
    {
        var alone = await _budget.ReserveAsync(500 * MiB, Ct).AsTask().WaitAsync(Timeout, Ct);
        var small = _budget.ReserveAsync(1, Ct).AsTask();

        Assert.False(small.IsCompleted);

        alone.Dispose();
        using var granted = await small.WaitAsync(Timeout, Ct);
        Assert.True(granted.IsAcquired);
    }

    [Fact]
    public async Task A_waiting_job_whose_message_is_cancelled_stops_waiting()
    {
        var running = await _budget.ReserveAsync(100 * MiB, Ct).AsTask().WaitAsync(Timeout, Ct);
        using var cancel = new CancellationTokenSource();
        var waiting = _budget.ReserveAsync(10 * MiB, cancel.Token).AsTask();

        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting.WaitAsync(Timeout, Ct));

        // The cancelled job holds nothing: once the running one ends, the next job gets the whole budget.
        running.Dispose();
        using var next = await _budget.ReserveAsync(100 * MiB, Ct).AsTask().WaitAsync(Timeout, Ct);
        Assert.True(next.IsAcquired);
    }

    public void Dispose() => _budget.Dispose();
}
