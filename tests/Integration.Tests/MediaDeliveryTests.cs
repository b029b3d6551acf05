using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;

namespace Platform.Integration.Tests;

/// <summary>
/// What makes reads cacheable: URLs that stay the same within their window, thumbnails a browser may keep, and item and
/// list responses with ETags that answer 304 while nothing the client sees has changed, and change when anything does.
/// Signed URLs change when the window rolls (an hour by default); a test that sees that happen between two reads
/// says so and reads again, rather than counting on the clock.
/// </summary>
public sealed class MediaDeliveryTests(PlatformAppFixture fixture)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Item_and_list_carry_an_etag_and_answer_304_while_nothing_changed()
    {
        using var user = await MediaClient.SignUpAsync(fixture, Ct);
        var created = await user.UploadAsync("etag.jpg", "image/jpeg", TestMedia.Jpeg(640, 480), Ct);
        Assert.Equal("ready", (await user.WaitUntilProcessedAsync(created.Id, Ct)).Status);

        foreach (var path in new[] { $"/api/media/{created.Id}", "/api/media?page=1&pageSize=20" })
        {
            await WithinOneWindowAsync(async () =>
            {
                using var first = await user.Api.GetAsync(path, Ct);
                Assert.Equal(HttpStatusCode.OK, first.StatusCode);
                var etag = first.Headers.ETag;
                Assert.NotNull(etag);
                Assert.False(etag.IsWeak);
                Assert.True(first.Headers.CacheControl?.Private);
                Assert.True(first.Headers.CacheControl?.NoCache);

                using var again = new HttpRequestMessage(HttpMethod.Get, path) { Headers = { IfNoneMatch = { etag } } };
                using var second = await user.Api.SendAsync(again, Ct);
                if (second.StatusCode == HttpStatusCode.OK && await WindowRolledAsync(first, second))
                {
                    return false;
                }

                Assert.Equal(HttpStatusCode.NotModified, second.StatusCode);
                Assert.Equal(etag, second.Headers.ETag);
                Assert.Empty(await second.Content.ReadAsByteArrayAsync(Ct));

                // Another tag (or none) gets the whole body again, with the same tag.
                using var other = new HttpRequestMessage(HttpMethod.Get, path) { Headers = { IfNoneMatch = { new EntityTagHeaderValue("\"something-else\"") } } };
                using var third = await user.Api.SendAsync(other, Ct);
                Assert.Equal(HttpStatusCode.OK, third.StatusCode);
                if (!Equals(etag, third.Headers.ETag) && await WindowRolledAsync(first, third))
                {
                    return false;
                }

                Assert.Equal(etag, third.Headers.ETag);
                return true;
            });
        }
    }

    [Fact]
    public async Task The_etag_changes_with_the_status_and_a_deleted_item_leaves_the_list()
    {
        using var user = await MediaClient.SignUpAsync(fixture, Ct);
        var bytes = TestMedia.Jpeg(320, 240);
        var created = await user.CreateAsync("changes.jpg", "image/jpeg", bytes.Length, Ct);

        using var pending = await user.Api.GetAsync($"/api/media/{created.Id}", Ct);
        using var pendingList = await user.Api.GetAsync("/api/media", Ct);
        var pendingTag = pending.Headers.ETag!;
        var pendingListTag = pendingList.Headers.ETag!;

        await MediaClient.PutAsync(created, bytes, "image/jpeg", Ct);
        Assert.Equal(HttpStatusCode.Accepted, (await user.CompleteAsync(created.Id, Ct)).StatusCode);
        using var item = await GetIfNoneMatchAsync(user, $"/api/media/{created.Id}", pendingTag);
        using var list = await GetIfNoneMatchAsync(user, "/api/media", pendingListTag);
        Assert.Equal(HttpStatusCode.OK, item.StatusCode);
        Assert.NotEqual(pendingTag, item.Headers.ETag);
        Assert.Equal(HttpStatusCode.OK, list.StatusCode);
        Assert.NotEqual(pendingListTag, list.Headers.ETag);

        // The Worker may have finished already when that was read; otherwise "ready" is a change the ETag must show.
        var statusThen = (await item.Content.ReadFromJsonAsync<MediaItem>(Ct))!.Status;
        var ready = await user.WaitUntilProcessedAsync(created.Id, Ct);
        Assert.Equal("ready", ready.Status);
        using var readyItem = await GetIfNoneMatchAsync(user, $"/api/media/{created.Id}", item.Headers.ETag!);
        Assert.Equal(statusThen == "ready" ? HttpStatusCode.NotModified : HttpStatusCode.OK, readyItem.StatusCode);
        Assert.NotNull(ready.ThumbnailUrl);

        using var readyList = await user.Api.GetAsync("/api/media", Ct);
        Assert.Equal(HttpStatusCode.NoContent, (await user.Api.DeleteAsync($"/api/media/{created.Id}", Ct)).StatusCode);
        using var afterDelete = await GetIfNoneMatchAsync(user, "/api/media", readyList.Headers.ETag!);
        Assert.Equal(HttpStatusCode.OK, afterDelete.StatusCode);
        Assert.Empty((await afterDelete.Content.ReadFromJsonAsync<MediaPage>(Ct))!.Items);
        Assert.Equal(HttpStatusCode.NotFound, (await GetIfNoneMatchAsync(user, $"/api/media/{created.Id}", item.Headers.ETag!)).StatusCode);
    }

    [Fact]
    public async Task Urls_are_the_same_within_a_window_thumbnails_are_cacheable_and_die_with_the_item()
    {
        using var user = await MediaClient.SignUpAsync(fixture, Ct);
        var created = await user.UploadAsync("stable.png", "image/png", TestMedia.Png(800, 600), Ct);
        Assert.Equal("ready", (await user.WaitUntilProcessedAsync(created.Id, Ct)).Status);

        MediaItem item = null!;
        await WithinOneWindowAsync(async () =>
        {
            item = await user.GetAsync(created.Id, Ct);
            var again = await user.GetAsync(created.Id, Ct);
            var listed = (await user.Api.GetFromJsonAsync<MediaPage>("/api/media", Ct))!.Items.Single();
            if (again.ThumbnailUrl != item.ThumbnailUrl && SigningDate(again.ThumbnailUrl!) != SigningDate(item.ThumbnailUrl!))
            {
                return false;
            }

            Assert.Equal(item, again);
            Assert.Equal(item.ThumbnailUrl, listed.ThumbnailUrl);
            Assert.Equal(item.DownloadUrl, listed.DownloadUrl);
            return true;
        });

        foreach (var url in new[] { item.ThumbnailUrl!, item.PreviewUrl! })
        {
            using var thumbnail = await MediaClient.Storage.GetAsync(url, Ct);
            Assert.Equal(HttpStatusCode.OK, thumbnail.StatusCode);
            Assert.Equal("image/webp", thumbnail.Content.Headers.ContentType?.MediaType);
            var cacheControl = thumbnail.Headers.CacheControl;
            Assert.NotNull(cacheControl);
            Assert.True(cacheControl.Private);
            Assert.Contains(cacheControl.Extensions, e => e.Name == "immutable");
            // A browser keeps it for one URL window (an hour by default) at most: no longer than the URL lives.
            Assert.Equal(TimeSpan.FromHours(1), cacheControl.MaxAge);
        }

        Assert.Equal(HttpStatusCode.NoContent, (await user.Api.DeleteAsync($"/api/media/{created.Id}", Ct)).StatusCode);
        foreach (var url in new[] { item.ThumbnailUrl!, item.PreviewUrl!, item.DownloadUrl! })
        {
            using var gone = await MediaClient.Storage.GetAsync(url, Ct);
            Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        }
    }

    private static Task<HttpResponseMessage> GetIfNoneMatchAsync(MediaClient user, string path, EntityTagHeaderValue etag)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path) { Headers = { IfNoneMatch = { etag } } };
        return user.Api.SendAsync(request, Ct);
    }

    /// <summary>True when the two responses differ only because their URLs were signed in different windows.</summary>
    private static async Task<bool> WindowRolledAsync(HttpResponseMessage first, HttpResponseMessage second)
    {
        var a = await first.Content.ReadAsStringAsync(Ct);
        var b = await second.Content.ReadAsStringAsync(Ct);
        return a != b && !SigningDates(a).SequenceEqual(SigningDates(b));
    }

    private static IEnumerable<string> SigningDates(string json) =>
        System.Text.RegularExpressions.Regex.Matches(json, "X-Amz-Date=([0-9TZ]+)").Select(m => m.Groups[1].Value).Distinct();

    private static string SigningDate(string url) =>
        System.Text.RegularExpressions.Regex.Match(url, "X-Amz-Date=([0-9TZ]+)").Groups[1].Value;

    /// <summary>Runs <paramref name="attempt"/> again (once) when it reports that the URL window rolled under it.</summary>
    private static async Task WithinOneWindowAsync(Func<Task<bool>> attempt)
    {
        if (!await attempt())
        {
            Assert.True(await attempt(), "The URL window rolled twice during one test: it is far longer than that.");
        }
    }
}
