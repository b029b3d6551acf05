namespace Platform.Worker.Messaging;

public static class QueueConsumerExtensions
{
    public static IHostApplicationBuilder AddQueueConsumer(this IHostApplicationBuilder builder)
    {
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
