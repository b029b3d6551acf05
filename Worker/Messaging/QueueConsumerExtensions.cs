namespace Platform.Worker.Messaging;

public static class QueueConsumerExtensions
{
    /// <summary>
    /// Consumes the queue registered by <c>AddSqsQueueClient(<paramref name="queueName"/>)</c>. A queue with a dead-letter
    /// queue must come with its <c>MaxReceiveCount</c> (the AppHost passes both): the Worker records an item's failure on
    /// the delivery that sends its message there, and a count of its own could silently disagree with the queue's.
    /// </summary>
    public static IHostApplicationBuilder AddQueueConsumer(this IHostApplicationBuilder builder, string queueName)
    {
        builder.Services.AddOptions<SqsQueueSettings>()
            .Validate(
                queue => string.IsNullOrEmpty(queue.DeadLetterQueueUrl) || queue.MaxReceiveCount is not null,
                $"{queueName}:MaxReceiveCount is missing: the queue has a dead-letter queue ({queueName}:DeadLetterQueueUrl), so the Worker " +
                $"must know on which delivery SQS moves a message there. The AppHost's reference to the queue passes it ({queueName}__MaxReceiveCount).");
        builder.Services.AddOptions<QueueConsumerOptions>()
            .BindConfiguration(QueueConsumerOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();

        // The host waits this long for the consumer to drain before it gives up on it: longer than the drain itself.
        builder.Services.AddOptions<HostOptions>().Configure<Microsoft.Extensions.Options.IOptions<QueueConsumerOptions>>((host, consumer) =>
            host.ShutdownTimeout = consumer.Value.DrainTimeout + TimeSpan.FromSeconds(10));
        builder.Services.AddHostedService<QueueConsumer>();
        return builder;
    }
}
