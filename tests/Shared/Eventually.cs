namespace Platform.Tests.Shared;

/// <summary>
/// Waits for a condition a user would wait for (an item becoming ready, a span exported), polling, never sleeping
/// blindly. Linked into the test projects that wait.
/// </summary>
public static class Eventually
{
    public static async Task<T> ReturnsAsync<T>(Func<CancellationToken, Task<T>> probe, Func<T, bool> done, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(timeout);
        var delay = TimeSpan.FromMilliseconds(50);
        T last = default!;
        try
        {
            while (true)
            {
                last = await probe(cts.Token);
                if (done(last))
                {
                    return last;
                }

                await Task.Delay(delay, cts.Token);
                delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 2, 500));
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"The condition was not met within {timeout.TotalSeconds:F0} s; last value: {last}");
        }
    }
}
