using System.ComponentModel.DataAnnotations;

namespace Platform.Worker.Messaging;

/// <summary>How the Worker consumes its queue (section <c>QueueConsumer</c>), validated at start.</summary>
public sealed class QueueConsumerOptions
{
    public const string SectionName = "QueueConsumer";

    /// <summary>
    /// Messages handled at the same time by this instance: two per core. A job waits on the network (the download, two
    /// uploads, the row updates) about as long as it decodes, so a second job per core keeps the cores busy meanwhile;
    /// the memory the jobs decode into together is bounded apart (<c>MediaProcessing:MaxProcessingMemoryBytes</c>).
    /// </summary>
    [Range(1, 64, ErrorMessage = "QueueConsumer:MaxConcurrency must be between 1 and 64.")]
    public int MaxConcurrency { get; set; } = 2 * Environment.ProcessorCount;

    /// <summary>
    /// How long a received message stays hidden from other consumers. While its work runs, the Worker extends it every
    /// third of this time, so a long job keeps its message and a crashed worker's message comes back soon.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:06", "12:00:00", ErrorMessage = "QueueConsumer:VisibilityTimeout must be between 6 seconds and 12 hours.")]
    public TimeSpan VisibilityTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>On stop, how long in-flight work may finish before it is cancelled and its messages released.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:10:00", ErrorMessage = "QueueConsumer:DrainTimeout must be between 0 and 10 minutes.")]
    public TimeSpan DrainTimeout { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>
    /// The longest one message's work may take before it is given up and retried (its visibility is extended meanwhile).
    /// Far above any real job (a 100-megapixel image takes seconds); it only frees a slot a hung call would hold forever.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:10", "12:00:00", ErrorMessage = "QueueConsumer:HandlerTimeout must be between 10 seconds and 12 hours.")]
    public TimeSpan HandlerTimeout { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>While a dependency is down, how often the paused consumer checks whether it is back.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:01:00", ErrorMessage = "QueueConsumer:DependencyProbeInterval must be between 0.1 and 60 seconds.")]
    public TimeSpan DependencyProbeInterval { get; set; } = TimeSpan.FromSeconds(2);
}
