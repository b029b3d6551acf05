using Amazon.SQS.Model;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Platform.Tests.Shared;

namespace Platform.Integration.Tests.Reliability;

/// <summary>The operator's way back from the dead-letter queue: the dashboard command on the queue resource.</summary>
public sealed class DeadLetterRedriveTests(PlatformAppFixture fixture)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_redrive_command_sends_dead_letters_back_and_the_worker_processes_them()
    {
        // A ping whose message ended in the dead-letter queue: recorded as sent, never received.
        var pingId = Guid.CreateVersion7();
        var sentAt = DateTimeOffset.UtcNow;
        await using (var db = await Backstage.DatabaseAsync(fixture.App, Ct))
        {
            await using var insert = new NpgsqlCommand("INSERT INTO pings (id, sent_at) VALUES (@id, @sentAt)", db);
            insert.Parameters.AddWithValue("id", pingId);
            insert.Parameters.AddWithValue("sentAt", sentAt);
            await insert.ExecuteNonQueryAsync(Ct);
        }

        using var sqs = Backstage.Sqs(fixture.App);
        var dlqUrl = (await sqs.GetQueueUrlAsync(Backstage.DeadLetterQueueName, Ct)).QueueUrl;
        await sqs.SendMessageAsync(new SendMessageRequest
        {
            QueueUrl = dlqUrl,
            MessageBody = $$"""{"pingId":"{{pingId}}","sentAt":"{{sentAt:O}}"}""",
            MessageAttributes = new() { ["type"] = new MessageAttributeValue { DataType = "String", StringValue = "platform.ping.v1" } },
        }, Ct);

        var result = await fixture.App.Services.GetRequiredService<ResourceCommandService>()
            .ExecuteCommandAsync("messaging", "redrive-dead-letters", Ct);

        Assert.True(result.Success, result.Message);
        Assert.Matches(@"^Moved [1-9]\d* message\(s\) from media-events-dlq back to media-events\.$", result.Message);
        await Eventually.ReturnsAsync(async t =>
        {
            await using var db = await Backstage.DatabaseAsync(fixture.App, t);
            await using var query = new NpgsqlCommand("SELECT received_at IS NOT NULL FROM pings WHERE id = @id", db);
            query.Parameters.AddWithValue("id", pingId);
            return (bool)(await query.ExecuteScalarAsync(t))!;
        }, received => received, TimeSpan.FromSeconds(30), Ct);
    }
}
