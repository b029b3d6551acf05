using System.ComponentModel.DataAnnotations;

namespace Platform.Messaging.Outbox;

/// <summary>How the outbox is dispatched (section <c>Outbox</c>), validated at start.</summary>
public sealed class OutboxOptions
{
    public const string SectionName = "Outbox";

    /// <summary>How often the dispatcher looks for messages nobody woke it for (another instance's, retries).</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:01:00", ErrorMessage = "Outbox:PollInterval must be between 0.1 and 60 seconds.")]
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Messages taken per round.</summary>
    [Range(1, 500, ErrorMessage = "Outbox:BatchSize must be between 1 and 500.")]
    public int BatchSize { get; set; } = 20;

    /// <summary>The longest wait between two attempts at a message that keeps failing.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00", ErrorMessage = "Outbox:MaxRetryDelay must be between 1 second and 10 minutes.")]
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long sent messages stay in the table (for operators tracing a message), before they are removed.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "30.00:00:00", ErrorMessage = "Outbox:KeepSentFor must be between 0 and 30 days.")]
    public TimeSpan KeepSentFor { get; set; } = TimeSpan.FromDays(1);

    /// <summary>0.5 s after the first failure, doubling, up to <see cref="MaxRetryDelay"/>.</summary>
    public TimeSpan RetryDelay(int attempts) =>
        TimeSpan.FromMilliseconds(Math.Min(500 * Math.Pow(2, Math.Min(attempts - 1, 20)), MaxRetryDelay.TotalMilliseconds));
}
