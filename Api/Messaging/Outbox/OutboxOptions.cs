using System.ComponentModel.DataAnnotations;

namespace Platform.Messaging.Outbox;

/// <summary>How the outbox is dispatched (section <c>Outbox</c>), validated at start.</summary>
public sealed class OutboxOptions
{
    public const string SectionName = "Outbox";

    /// <summary>
    /// How often the dispatcher looks for messages nobody told it about: those whose request stopped between its commit
    /// and its send (a crash, another instance's). It also wakes when a message it knows of falls due for a retry, and
    /// when a send at commit fails. Messages normally leave at commit (see <see cref="Outbox{TContext}.SendAsync"/>).
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "01:00:00", ErrorMessage = "Outbox:PollInterval must be between 0.1 seconds and 1 hour.")]
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How long a new message is left to the request that committed it, which sends it at once; only after this does
    /// the dispatcher take a message that is still unsent. Longer than a send may take (the queue's guard gives up after
    /// 5 seconds), so the two never send the same message at the same time.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:10", "00:10:00", ErrorMessage = "Outbox:ImmediateSendGrace must be between 10 seconds and 10 minutes.")]
    public TimeSpan ImmediateSendGrace { get; set; } = TimeSpan.FromSeconds(30);

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
