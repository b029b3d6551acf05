using Aspire.Hosting.ApplicationModel;

namespace Aspire.Hosting;

/// <summary>An SQS queue and its optional dead-letter queue; their URLs are outputs, known once they exist.</summary>
public sealed class SqsQueueResource : AwsServiceResource
{
    public SqsQueueResource(string name, string queueName, IAwsEmulatorResource? emulator) : base(name, emulator)
    {
        QueueName = queueName;
        QueueUrlOutput = Output("QueueUrl");
        DeadLetterQueueUrlOutput = Output("DeadLetterQueueUrl");
    }

    public string QueueName { get; }

    public string DeadLetterQueueName => $"{QueueName}-dlq";

    /// <summary>Receives before a message moves to the dead-letter queue; null when the queue has none.</summary>
    public int? MaxReceiveCount { get; internal set; }

    public AwsResourceOutput QueueUrlOutput { get; }

    public AwsResourceOutput DeadLetterQueueUrlOutput { get; }
}
