using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Platform.Media;
using Platform.Worker.Features.Media;
using Platform.Worker.Messaging;

namespace Platform.Worker.Tests;

/// <summary>
/// The values the Worker must share with others are read from the keys the AppHost passes (the queue's redrive count,
/// the Api's upload limit), never copied; a queue with a dead-letter queue but no count stops the Worker at start.
/// </summary>
public sealed class WorkerConfigurationTests
{
    private const string QueueUrl = "http://127.0.0.1:1/000000000000/media-events";
    private const string DeadLetterQueueUrl = "http://127.0.0.1:1/000000000000/media-events-dlq";

    [Fact]
    public async Task A_queue_with_a_dead_letter_queue_but_no_receive_count_stops_the_worker_at_start_naming_the_key()
    {
        using var host = Build(new() { ["messaging:QueueUrl"] = QueueUrl, ["messaging:DeadLetterQueueUrl"] = DeadLetterQueueUrl });

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(TestContext.Current.CancellationToken));

        Assert.Contains("messaging:MaxReceiveCount is missing", error.Message);
        Assert.Contains("messaging__MaxReceiveCount", error.Message);
    }

    [Fact]
    public void The_receive_count_is_the_one_passed_with_the_queue()
    {
        using var host = Build(new()
        {
            ["messaging:QueueUrl"] = QueueUrl,
            ["messaging:DeadLetterQueueUrl"] = DeadLetterQueueUrl,
            ["messaging:MaxReceiveCount"] = "3",
        });

        Assert.Equal(3, host.Services.GetRequiredService<IOptions<SqsQueueSettings>>().Value.MaxReceiveCount);
    }

    [Fact]
    public void A_queue_without_a_dead_letter_queue_needs_no_receive_count()
    {
        using var host = Build(new() { ["messaging:QueueUrl"] = QueueUrl });

        Assert.Null(host.Services.GetRequiredService<IOptions<SqsQueueSettings>>().Value.MaxReceiveCount);
    }

    [Fact]
    public void The_download_limit_is_the_apis_upload_limit()
    {
        using var configured = Build(new() { ["messaging:QueueUrl"] = QueueUrl, [MediaLimits.MaxUploadBytesKey] = "12345" });
        using var alone = Build(new() { ["messaging:QueueUrl"] = QueueUrl });

        Assert.Equal(12345, configured.Services.GetRequiredService<IOptions<MediaProcessingOptions>>().Value.MaxUploadBytes);
        Assert.Equal(MediaLimits.DefaultMaxUploadBytes, alone.Services.GetRequiredService<IOptions<MediaProcessingOptions>>().Value.MaxUploadBytes);
    }

    [Fact]
    public void A_download_limit_out_of_range_is_refused_naming_the_key()
    {
        using var host = Build(new() { ["messaging:QueueUrl"] = QueueUrl, [MediaLimits.MaxUploadBytesKey] = "0" });

        var error = Assert.Throws<OptionsValidationException>(() => host.Services.GetRequiredService<IOptions<MediaProcessingOptions>>().Value);
        Assert.Contains("Media:MaxUploadBytes", error.Message);
    }

    private static IHost Build(Dictionary<string, string?> settings)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        // As the AppHost configures the SDK locally; nothing is ever sent to this address.
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["AWS:Region"] = "us-east-1", ["AWS:ServiceURL"] = "http://127.0.0.1:1" });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.AddSqsQueueClient("messaging");
        builder.AddMediaProcessing();
        builder.AddQueueConsumer("messaging");
        return builder.Build();
    }
}
