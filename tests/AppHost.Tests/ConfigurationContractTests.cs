using Aspire.Hosting;

namespace Platform.AppHost.Tests;

/// <summary>
/// Values two places must agree on are decided once, in the AppHost, and passed to the services through configuration
/// (the configuration contract), so a change in Program.cs reaches every service that depends on it.
/// </summary>
public sealed class ConfigurationContractTests
{
    [Fact]
    public async Task The_worker_receives_the_dead_letter_queues_receive_count()
    {
        await using var builder = await AppModel.CreateAsync("processes");

        var queue = builder.Resource<SqsQueueResource>("messaging");
        var worker = await builder.EnvironmentAsync("worker");

        Assert.NotNull(queue.MaxReceiveCount);
        Assert.Equal(queue.MaxReceiveCount.ToString(), Assert.IsType<string>(worker["messaging__MaxReceiveCount"]));
        Assert.Contains("messaging__DeadLetterQueueUrl", worker.Keys);
    }

    [Fact]
    public async Task The_worker_downloads_up_to_the_upload_limit_the_api_accepts()
    {
        await using var builder = await AppModel.CreateAsync("processes");

        var api = await builder.EnvironmentAsync("api");
        var worker = await builder.EnvironmentAsync("worker");

        var limit = Assert.IsType<string>(api["Media__MaxUploadBytes"]);
        Assert.True(long.Parse(limit, System.Globalization.CultureInfo.InvariantCulture) > 0);
        Assert.Equal(limit, Assert.IsType<string>(worker["Media__MaxUploadBytes"]));
    }
}
