using System.Net;
using Amazon.SQS.Model;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;
using Platform.Tests.Shared;

namespace Platform.Integration.Tests.Reliability;

/// <summary>
/// The transactional outbox: once <c>complete</c> has answered 202, the Worker's message goes out whatever happens to
/// the queue — the client never has to call again.
/// </summary>
[Collection(nameof(Outages))]
public sealed class QueueOutageTests(PlatformAppFixture fixture, ITestOutputHelper output) : OutageTest
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task When_the_queue_refuses_the_message_after_complete_it_is_sent_later_without_the_client()
    {
        using var user = await MediaClient.SignUpAsync(fixture, Ct);
        var bytes = TestMedia.Jpeg(320, 240);
        var created = await user.CreateAsync("queued.jpg", "image/jpeg", bytes.Length, Ct);
        await MediaClient.PutAsync(created, bytes, "image/jpeg", Ct);

        using var sqs = Backstage.Sqs(fixture.App);
        var queueUrl = (await sqs.GetQueueUrlAsync(Backstage.QueueName, Ct)).QueueUrl;
        var redrivePolicy = (await sqs.GetQueueAttributesAsync(queueUrl, ["RedrivePolicy"], Ct)).Attributes["RedrivePolicy"];
        await WaitUntilEmptyAsync(sqs, queueUrl); // nothing of another test is lost with the queue

        // SQS refuses every send from now on: the queue does not exist.
        await sqs.DeleteQueueAsync(queueUrl, Ct);
        HttpResponseMessage completed;
        try
        {
            completed = await user.CompleteAsync(created.Id, Ct);
            Assert.Equal(HttpStatusCode.Accepted, completed.StatusCode);
            var failedSends = await Eventually.ReturnsAsync(t => OutboxAttemptsAsync(created.Id, t), row => row.Attempts >= 2, TimeSpan.FromSeconds(30), Ct);
            Assert.Null(failedSends.SentAt);
            Assert.Equal("uploaded", (await user.GetAsync(created.Id, Ct)).Status);
            output.WriteLine($"Queue gone: complete answered 202; the outbox tried {failedSends.Attempts} times and keeps the message");

            // The dashboard says the queue is gone; the AppHost puts it back only after an emulator restart, not behind
            // the back of whoever removed it.
            using var reported = CancellationTokenSource.CreateLinkedTokenSource(Ct);
            reported.CancelAfter(TimeSpan.FromSeconds(60));
            var messaging = await fixture.App.ResourceNotifications.WaitForResourceAsync("messaging",
                e => e.Snapshot.HealthReports.Any(r => r.Status == HealthStatus.Unhealthy), reported.Token);
            Assert.Contains(messaging.Snapshot.HealthReports, r => r.Description?.Contains("missing from the emulator", StringComparison.Ordinal) == true);
            Assert.Null((await OutboxAttemptsAsync(created.Id, Ct)).SentAt);
        }
        finally
        {
            await sqs.CreateQueueAsync(new CreateQueueRequest
            {
                QueueName = Backstage.QueueName,
                Attributes = new Dictionary<string, string> { ["RedrivePolicy"] = redrivePolicy },
            }, Ct);
        }

        // The client only watches from here on.
        var item = await user.WaitUntilProcessedAsync(created.Id, Ct);
        var sent = await OutboxAttemptsAsync(created.Id, Ct);
        output.WriteLine($"Queue back: sent after {sent.Attempts} failed attempts; the item is {item.Status}");
        Assert.Equal("ready", item.Status);
        Assert.NotNull(sent.SentAt);
    }

    private async Task<OutboxRow> OutboxAttemptsAsync(Guid mediaId, CancellationToken ct)
    {
        await using var db = await Backstage.DatabaseAsync(fixture.App, ct);
        await using var query = new NpgsqlCommand(
            "SELECT attempts, sent_at FROM outbox_messages WHERE type = 'media.uploaded.v1' AND body->>'mediaId' = @id", db);
        query.Parameters.AddWithValue("id", mediaId.ToString());
        await using var reader = await query.ExecuteReaderAsync(ct);
        Assert.True(await reader.ReadAsync(ct), "complete wrote its message to the outbox");
        return new OutboxRow(reader.GetInt32(0), reader.IsDBNull(1) ? null : reader.GetFieldValue<DateTimeOffset>(1));
    }

    private static Task WaitUntilEmptyAsync(Amazon.SQS.IAmazonSQS sqs, string queueUrl) =>
        Eventually.ReturnsAsync(async t =>
        {
            var attributes = await sqs.GetQueueAttributesAsync(queueUrl, ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"], t);
            return attributes.ApproximateNumberOfMessages + attributes.ApproximateNumberOfMessagesNotVisible;
        }, waiting => waiting == 0, TimeSpan.FromSeconds(60), Ct);

    private sealed record OutboxRow(int Attempts, DateTimeOffset? SentAt);
}
