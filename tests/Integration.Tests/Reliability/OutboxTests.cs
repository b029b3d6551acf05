using System.Net;
using Npgsql;

namespace Platform.Integration.Tests.Reliability;

/// <summary>
/// The Worker's message leaves with the request that committed the change: by the time <c>complete</c> has answered,
/// SQS has the message (its outbox row is marked sent). The dispatcher's poll (ten minutes in the test AppHost) is never
/// waited for; it only sends what could not be sent at commit (see <see cref="QueueOutageTests"/>).
/// </summary>
public sealed class OutboxTests(PlatformAppFixture fixture, ITestOutputHelper output)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task When_complete_answers_its_message_is_already_on_the_queue_and_the_item_reaches_ready()
    {
        using var user = await MediaClient.SignUpAsync(fixture, Ct);
        var bytes = TestMedia.Jpeg(160, 120);
        var uploads = await Task.WhenAll(Enumerable.Range(0, 6).Select(async i =>
        {
            var created = await user.CreateAsync($"at-commit-{i}.jpg", "image/jpeg", bytes.Length, Ct);
            await MediaClient.PutAsync(created, bytes, "image/jpeg", Ct);
            return created;
        }));

        var sentWhenAnswered = await Task.WhenAll(uploads.Select(async created =>
        {
            using var completed = await user.CompleteAsync(created.Id, Ct);
            Assert.Equal(HttpStatusCode.Accepted, completed.StatusCode);
            return await SentAtAsync(created.Id);
        }));

        output.WriteLine($"Marked sent when complete answered: {sentWhenAnswered.Count(s => s is not null)} of {uploads.Length}");
        Assert.All(sentWhenAnswered, sent => Assert.NotNull(sent));
        foreach (var created in uploads)
        {
            Assert.Equal("ready", (await user.WaitUntilProcessedAsync(created.Id, Ct)).Status);
        }
    }

    private async Task<DateTimeOffset?> SentAtAsync(Guid mediaId)
    {
        await using var db = await Backstage.DatabaseAsync(fixture.App, Ct);
        await using var query = new NpgsqlCommand(
            "SELECT sent_at FROM outbox_messages WHERE type = 'media.uploaded.v1' AND body->>'mediaId' = @id", db);
        query.Parameters.AddWithValue("id", mediaId.ToString());
        await using var reader = await query.ExecuteReaderAsync(Ct);
        Assert.True(await reader.ReadAsync(Ct), "complete wrote its message to the outbox");
        return reader.IsDBNull(0) ? null : reader.GetFieldValue<DateTimeOffset>(0);
    }
}
