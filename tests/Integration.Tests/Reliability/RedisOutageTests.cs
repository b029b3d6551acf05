using System.Net;
using System.Net.Http.Json;

namespace Platform.Integration.Tests.Reliability;

/// <summary>
/// Redis is an optimisation, not a dependency: without it the Api reads and writes Postgres at its usual speed, and once
/// it is back no change made meanwhile is hidden behind an entry cached before.
/// </summary>
[Collection(nameof(Outages))]
public sealed class RedisOutageTests(PlatformAppFixture fixture, ITestOutputHelper output) : OutageTest
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task When_redis_is_killed_reads_and_writes_go_on_at_normal_speed_and_recover()
    {
        using var user = await MediaClient.SignUpAsync(fixture, Ct);
        var first = await user.UploadAsync("first.jpg", "image/jpeg", TestMedia.Jpeg(320, 240), Ct);
        await user.WaitUntilProcessedAsync(first.Id, Ct);
        var before = await CallsAsync(user, first.Id, "before");

        await Outages.KillAsync(fixture.App, "redis", Ct);
        List<(string Call, TimedResponse Answer)> during;
        try
        {
            during = await CallsAsync(user, first.Id, "during");
        }
        finally
        {
            await ResourceControl.StartAsync(fixture.App, "redis", Ct);
        }

        var after = await CallsAsync(user, first.Id, "after");
        foreach (var (name, calls) in new[] { ("before", before), ("Redis down", during), ("Redis back", after) })
        {
            output.WriteLine($"{name,-10}: " + string.Join(", ", calls.Select(c => $"{c.Call} {c.Answer}")));
        }

        Assert.All(during, c =>
        {
            Assert.True(c.Answer.Status is >= HttpStatusCode.OK and < HttpStatusCode.MultipleChoices, $"{c.Call} answered {c.Answer}: {c.Answer.Body}");
            Assert.True(c.Answer.Elapsed < Outages.NoHang, $"{c.Call} took {c.Answer}");
        });

        // Everything uploaded while Redis was down was processed, and is shown as it is now.
        var page = await user.Api.GetFromJsonAsync<MediaPage>("/api/media?pageSize=100", Ct);
        Assert.All(page!.Items, item => Assert.Equal("ready", item.Status));
        Assert.Equal(4, page.TotalCount); // the first, and one uploaded before, during and after the outage
    }

    [Fact]
    public async Task When_redis_freezes_and_comes_back_with_its_data_no_change_made_meanwhile_is_served_stale()
    {
        using var user = await MediaClient.SignUpAsync(fixture, Ct);
        var kept = await user.UploadAsync("kept.jpg", "image/jpeg", TestMedia.Jpeg(320, 240), Ct);
        var deleted = await user.UploadAsync("deleted.jpg", "image/jpeg", TestMedia.Jpeg(320, 240), Ct);
        await user.WaitUntilProcessedAsync(kept.Id, Ct);
        await user.WaitUntilProcessedAsync(deleted.Id, Ct);
        // Both reads are now cached in Redis, under the owner's current stamp.
        Assert.Equal(2, (await user.Api.GetFromJsonAsync<MediaPage>("/api/media", Ct))!.TotalCount);
        Assert.Equal("ready", (await user.GetAsync(deleted.Id, Ct)).Status);

        // Frozen, Redis keeps every entry: when it answers again, the entries cached before are still there.
        MediaItem processedMeanwhile;
        TimedResponse delete;
        Outages.Freeze(fixture.App, "redis");
        try
        {
            delete = await Outages.TimeAsync(t => user.Api.DeleteAsync($"/api/media/{deleted.Id}", t), Ct);
            var added = await user.UploadAsync("added.jpg", "image/jpeg", TestMedia.Jpeg(320, 240), Ct);
            processedMeanwhile = await user.WaitUntilProcessedAsync(added.Id, Ct); // the Worker's change, unannounced
        }
        finally
        {
            Outages.Thaw(fixture.App, "redis");
        }

        output.WriteLine($"Redis frozen: DELETE {delete}; an upload completed and was processed meanwhile ({processedMeanwhile.Status})");
        Assert.Equal(HttpStatusCode.NoContent, delete.Status);
        Assert.Equal(HttpStatusCode.NotFound, (await user.Api.GetAsync($"/api/media/{deleted.Id}", Ct)).StatusCode);
        var page = await user.Api.GetFromJsonAsync<MediaPage>("/api/media", Ct);
        Assert.Equal(2, page!.TotalCount);
        Assert.Equal([processedMeanwhile.Id, kept.Id], page.Items.Select(i => i.Id));
        Assert.All(page.Items, item => Assert.Equal("ready", item.Status));
    }

    /// <summary>What a client does: list, read one, upload one (create, PUT, complete).</summary>
    private static async Task<List<(string Call, TimedResponse Answer)>> CallsAsync(MediaClient user, Guid existing, string name)
    {
        var calls = new List<(string, TimedResponse)>
        {
            ("list", await Outages.TimeAsync(t => user.Api.GetAsync("/api/media", t), Ct)),
            ("get", await Outages.TimeAsync(t => user.Api.GetAsync($"/api/media/{existing}", t), Ct)),
        };
        var bytes = TestMedia.Jpeg(320, 240);
        var create = await Outages.TimeAsync(t => user.Api.PostAsJsonAsync("/api/media", new { fileName = $"{name}.jpg", contentType = "image/jpeg", size = bytes.Length }, t), Ct);
        calls.Add(("create", create));
        if (create.Status == HttpStatusCode.Created)
        {
            var created = System.Text.Json.JsonSerializer.Deserialize<CreatedMedia>(create.Body, new System.Text.Json.JsonSerializerOptions(System.Text.Json.JsonSerializerDefaults.Web))!;
            await MediaClient.PutAsync(created, bytes, "image/jpeg", Ct);
            calls.Add(("complete", await Outages.TimeAsync(t => user.CompleteAsync(created.Id, t), Ct)));
            await user.WaitUntilProcessedAsync(created.Id, Ct);
        }

        return calls;
    }
}
