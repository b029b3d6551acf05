using System.Net;
using System.Net.Http.Json;
using Platform.Tests.Shared;

namespace Platform.Integration.Tests;

/// <summary>
/// <c>GET /api/media/status?ids=…</c>: the status of many of one's own items in one call, what the pages poll while the
/// Worker processes uploads. It tells a caller nothing about items that are not theirs.
/// </summary>
public sealed class MediaStatusTests(PlatformAppFixture fixture)
{
    private const int MaxIds = 60;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task One_call_answers_the_status_of_each_of_my_items_and_follows_them_to_ready()
    {
        using var user = await MediaClient.SignUpAsync(fixture, Ct);
        var pending = await user.CreateAsync("later.jpg", "image/jpeg", 1000, Ct);
        var bytes = TestMedia.Jpeg(320, 240);
        var uploaded = await user.UploadAsync("now.jpg", "image/jpeg", bytes, Ct);

        var first = await StatusesAsync(user, [pending.Id, uploaded.Id, uploaded.Id]);
        Assert.Equal([pending.Id, uploaded.Id], first.Items.Select(i => i.Id).Order());
        Assert.Equal("pending", first.Items.Single(i => i.Id == pending.Id).Status);
        Assert.Contains(first.Items.Single(i => i.Id == uploaded.Id).Status, new[] { "uploaded", "processing", "ready" });

        var done = await Eventually.ReturnsAsync(async _ => await StatusesAsync(user, [pending.Id, uploaded.Id]),
            statuses => statuses.Items.Single(i => i.Id == uploaded.Id).Status == "ready", MediaClient.ProcessingTimeout, Ct);
        Assert.Equal("pending", done.Items.Single(i => i.Id == pending.Id).Status);
        Assert.Null(done.Items.Single(i => i.Id == uploaded.Id).FailureReason);
    }

    [Fact]
    public async Task Someone_elses_items_and_unknown_ids_are_simply_absent()
    {
        using var alice = await MediaClient.SignUpAsync(fixture, Ct);
        using var bob = await MediaClient.SignUpAsync(fixture, Ct);
        var alices = await alice.CreateAsync("private.jpg", "image/jpeg", 1000, Ct);
        var bobs = await bob.CreateAsync("mine.jpg", "image/jpeg", 1000, Ct);

        var answer = await StatusesAsync(bob, [alices.Id, Guid.NewGuid(), bobs.Id]);

        Assert.Equal([bobs.Id], answer.Items.Select(i => i.Id));
        Assert.Empty((await StatusesAsync(bob, [alices.Id])).Items);
        Assert.Single((await StatusesAsync(alice, [alices.Id])).Items);
    }

    [Theory]
    [InlineData("", "at least one")]
    [InlineData("not-an-id", "is not an item id")]
    [InlineData("{first},12345", "is not an item id")]
    [InlineData("{many}", "At most 60")]
    public async Task Bad_id_lists_are_refused_with_a_problem_naming_the_rule(string ids, string message)
    {
        using var user = await MediaClient.SignUpAsync(fixture, Ct);
        ids = ids.Replace("{first}", Guid.NewGuid().ToString(), StringComparison.Ordinal)
            .Replace("{many}", string.Join(",", Enumerable.Range(0, MaxIds + 1).Select(_ => Guid.NewGuid())), StringComparison.Ordinal);

        using var response = await user.Api.GetAsync($"/api/media/status?ids={ids}", Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<Problem>(Ct);
        Assert.Contains(message, string.Join(" ", problem!.Errors!["ids"]), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_limit_itself_is_accepted_and_a_signed_out_caller_is_refused()
    {
        using var user = await MediaClient.SignUpAsync(fixture, Ct);
        var ids = Enumerable.Range(0, MaxIds).Select(_ => Guid.NewGuid()).ToList();
        Assert.Empty((await StatusesAsync(user, ids)).Items);

        using var anonymous = MediaClient.Anonymous(fixture);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync($"/api/media/status?ids={ids[0]}", Ct)).StatusCode);
    }

    private static async Task<Statuses> StatusesAsync(MediaClient user, IEnumerable<Guid> ids)
    {
        using var response = await user.Api.GetAsync($"/api/media/status?ids={string.Join(",", ids)}", Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<Statuses>(Ct))!;
    }

    private sealed record Statuses(List<StatusItem> Items);

    private sealed record StatusItem(Guid Id, string Status, string? FailureReason);
}
