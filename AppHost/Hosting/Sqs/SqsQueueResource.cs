using Aspire.Hosting.ApplicationModel;

namespace Aspire.Hosting;

/// <summary>An SQS queue and its optional dead-letter queue; their URLs are outputs, known once they exist.</summary>
public sealed class SqsQueueResource : Resource, IResourceWithWaitSupport
{
    public SqsQueueResource(string name, string queueName, IAwsEmulatorResource? emulator) : base(name)
    {
        QueueName = queueName;
        Emulator = emulator;
        QueueUrlOutput = new AwsResourceOutput(this, "QueueUrl");
        DeadLetterQueueUrlOutput = new AwsResourceOutput(this, "DeadLetterQueueUrl");
        Annotations.Add(new AwsResourceOutputsAnnotation(QueueUrlOutput, DeadLetterQueueUrlOutput));
    }

    public string QueueName { get; }

    public string DeadLetterQueueName => $"{QueueName}-dlq";

    /// <summary>Receives before a message moves to the dead-letter queue; null when the queue has none.</summary>
    public int? MaxReceiveCount { get; internal set; }

    /// <summary>The emulator serving this queue locally; null where the queue is the real one.</summary>
    public IAwsEmulatorResource? Emulator { get; }

    public AwsResourceOutput QueueUrlOutput { get; }

    public AwsResourceOutput DeadLetterQueueUrlOutput { get; }
}
