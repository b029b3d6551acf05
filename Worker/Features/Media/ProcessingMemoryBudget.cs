using System.Threading.RateLimiting;

namespace Platform.Worker.Features.Media;

/// <summary>
/// The memory all of a Worker's jobs may decode into at once (<see cref="MediaProcessingOptions.MaxProcessingMemoryBytes"/>):
/// an image reserves its decoded size, read from its header, and what its job holds beside it, a PDF its reader's heap
/// limit and runtime, before the work starts, and each gives it back when the work ends. Small images run side by side
/// while a large one waits for room, so the Worker can take more jobs than it has cores (their downloads and uploads
/// overlap another job's decoding) without a few large files together exceeding the task's memory.
/// </summary>
/// <remarks>
/// A <see cref="ConcurrencyLimiter"/> counting the budget in MiB (several permits per acquisition), oldest first, so a
/// large job waiting for room is not passed over by smaller ones that keep arriving. A job's wait counts towards its
/// message's <c>QueueConsumer:HandlerTimeout</c> (10 min), far above what the jobs ahead of it can take together
/// (<c>MediaProcessing:MaxProcessingTime</c>, 1 min, each).
/// </remarks>
public sealed class ProcessingMemoryBudget : IDisposable
{
    private const long BytesPerPermit = 1024 * 1024;
    private readonly int _permits;
    private readonly ConcurrencyLimiter _limiter;

    public ProcessingMemoryBudget(MediaProcessingOptions options)
    {
        _permits = (int)Math.Clamp(options.MaxProcessingMemoryBytes / BytesPerPermit, 1, int.MaxValue);
        _limiter = new ConcurrencyLimiter(new ConcurrencyLimiterOptions
        {
            PermitLimit = _permits,
            QueueLimit = int.MaxValue,
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
        });
    }

    /// <summary>
    /// Waits until <paramref name="bytes"/> fit beside what the running jobs reserved; dispose the lease when the work is
    /// done. A job needing more than the whole budget reserves all of it and runs alone.
    /// </summary>
    public async ValueTask<RateLimitLease> ReserveAsync(long bytes, CancellationToken cancellationToken)
    {
        var permits = (int)Math.Clamp((bytes + BytesPerPermit - 1) / BytesPerPermit, 1, _permits);
        var lease = await _limiter.AcquireAsync(permits, cancellationToken);
        if (!lease.IsAcquired)
        {
            // The queue holds up to int.MaxValue permits: only a disposed limiter refuses.
            lease.Dispose();
            throw new ObjectDisposedException(nameof(ProcessingMemoryBudget));
        }

        return lease;
    }

    public void Dispose() => _limiter.Dispose();
}
