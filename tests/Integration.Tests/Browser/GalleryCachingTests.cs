using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Platform.Integration.Tests.Browser;

/// <summary>
/// Thumbnails are cached by the browser: their signed URLs stay the same within a window and they are served
/// <c>private, max-age, immutable</c>, so coming back to the gallery costs no thumbnail bytes at all.
/// </summary>
public sealed class GalleryCachingTests(PlatformAppFixture app, BrowserFixture browser)
{
    private const int Images = 20;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_second_visit_to_a_gallery_of_20_ready_images_downloads_no_thumbnail_bytes()
    {
        using var user = await MediaClient.SignUpAsync(app, Ct);
        var ids = new List<Guid>();
        for (var i = 1; i <= Images; i++)
        {
            ids.Add(await UploadAsync(user, $"photo-{i:D2}.jpg", TestMedia.Jpeg(400 + i, 300)));
        }

        foreach (var id in ids)
        {
            Assert.Equal("ready", (await user.WaitUntilProcessedAsync(id, Ct)).Status);
        }

        // Counting starts before signing in: signing in lands on the gallery, which already fetches thumbnails.
        var session = await WebSession.OpenAsync(app, browser);
        var network = await ThumbnailTraffic.WatchAsync(session.Page);
        await session.SignInAsync(user.Email, MediaClient.Password);

        for (var attempt = 1; ; attempt++)
        {
            var firstUrls = await VisitGalleryAsync(session);
            await network.SettleAsync();
            var firstBytes = network.BytesFromNetwork;

            network.Reset();
            var secondUrls = await VisitGalleryAsync(session);
            await network.SettleAsync();
            if (!firstUrls.SequenceEqual(secondUrls) && attempt == 1)
            {
                // The URL window rolled between the visits (once an hour): the new URLs are new to the browser. Again.
                network.Reset();
                continue;
            }

            Assert.Equal(firstUrls, secondUrls);
            if (attempt == 1)
            {
                Assert.True(firstBytes > 0, "the first visit downloads the thumbnails (and the counter sees them)");
            }

            Assert.Equal(0, network.BytesFromNetwork);
            Assert.Equal(0, network.ResponsesFromNetwork);
            return;
        }
    }

    /// <summary>Create, PUT, complete: 40 writes for 20 files, more than the per-user burst, so a 429 waits as told.</summary>
    private static async Task<Guid> UploadAsync(MediaClient user, string fileName, byte[] bytes)
    {
        var created = await WithinRateLimitAsync(() => user.Api.PostAsJsonAsync("/api/media", new { fileName, contentType = "image/jpeg", size = bytes.Length }, Ct));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var media = (await created.Content.ReadFromJsonAsync<CreatedMedia>(Ct))!;
        await MediaClient.PutAsync(media, bytes, "image/jpeg", Ct);
        Assert.Equal(HttpStatusCode.Accepted, (await WithinRateLimitAsync(() => user.CompleteAsync(media.Id, Ct))).StatusCode);
        return media.Id;
    }

    private static async Task<HttpResponseMessage> WithinRateLimitAsync(Func<Task<HttpResponseMessage>> send)
    {
        while (true)
        {
            var response = await send();
            if (response.StatusCode != HttpStatusCode.TooManyRequests)
            {
                return response;
            }

            await Task.Delay(response.Headers.RetryAfter?.Delta ?? TimeSpan.FromSeconds(1), Ct);
        }
    }

    /// <summary>Opens the gallery and brings every thumbnail into view until it has loaded; returns their URLs.</summary>
    private static async Task<List<string>> VisitGalleryAsync(WebSession session)
    {
        var page = session.Page;
        await page.GotoAsync(session.Url("/gallery"));
        var thumbnails = page.Locator("li.tile img");
        await Expect(thumbnails).ToHaveCountAsync(Images);
        foreach (var thumbnail in await thumbnails.AllAsync())
        {
            await thumbnail.ScrollIntoViewIfNeededAsync();
            await Expect(thumbnail).ToHaveJSPropertyAsync("complete", true);
            Assert.True(await thumbnail.EvaluateAsync<int>("i => i.naturalWidth") > 0, "every thumbnail is shown");
        }

        return [.. await thumbnails.EvaluateAllAsync<string[]>("images => images.map(i => i.src)")];
    }

    /// <summary>
    /// Counts what Chromium fetched from the network for thumbnails, through the DevTools protocol: bytes received
    /// (<c>encodedDataLength</c>, 0 for a cache hit) and responses that did not come from its cache.
    /// </summary>
    private sealed class ThumbnailTraffic
    {
        private readonly ConcurrentDictionary<string, bool> _thumbnailRequests = new();
        private ICDPSession? _cdp;
        private readonly ConcurrentDictionary<string, bool> _servedFromCache = new();
        private long _bytes;
        private int _responses;

        public long BytesFromNetwork => Interlocked.Read(ref _bytes);

        public int ResponsesFromNetwork => _responses;

        /// <summary>
        /// A round trip on the same DevTools session: the browser sends a session's events in order, so every network
        /// event of what the page has loaded so far has been counted once the answer is here.
        /// </summary>
        public Task SettleAsync() =>
            _cdp!.SendAsync("Runtime.evaluate", new Dictionary<string, object> { ["expression"] = "1" });

        public void Reset()
        {
            Interlocked.Exchange(ref _bytes, 0);
            Interlocked.Exchange(ref _responses, 0);
        }

        public static async Task<ThumbnailTraffic> WatchAsync(IPage page)
        {
            var traffic = new ThumbnailTraffic();
            var cdp = await page.Context.NewCDPSessionAsync(page);
            traffic._cdp = cdp;
            cdp.Event("Network.requestWillBeSent").OnEvent += (_, e) =>
            {
                if (e is { } json && json.GetProperty("request").GetProperty("url").GetString()!.Contains("/thumb-", StringComparison.Ordinal))
                {
                    traffic._thumbnailRequests[json.GetProperty("requestId").GetString()!] = true;
                }
            };
            cdp.Event("Network.requestServedFromCache").OnEvent += (_, e) =>
            {
                if (e is { } json)
                {
                    traffic._servedFromCache[json.GetProperty("requestId").GetString()!] = true;
                }
            };
            cdp.Event("Network.responseReceived").OnEvent += (_, e) =>
            {
                if (e is { } json && traffic._thumbnailRequests.ContainsKey(json.GetProperty("requestId").GetString()!))
                {
                    var response = json.GetProperty("response");
                    var cached = Flag(response, "fromDiskCache") || Flag(response, "fromPrefetchCache") || Flag(response, "fromServiceWorker")
                        || traffic._servedFromCache.ContainsKey(json.GetProperty("requestId").GetString()!);
                    if (!cached)
                    {
                        Interlocked.Increment(ref traffic._responses);
                    }
                }
            };
            cdp.Event("Network.loadingFinished").OnEvent += (_, e) =>
            {
                if (e is { } json && traffic._thumbnailRequests.ContainsKey(json.GetProperty("requestId").GetString()!))
                {
                    Interlocked.Add(ref traffic._bytes, (long)json.GetProperty("encodedDataLength").GetDouble());
                }
            };
            await cdp.SendAsync("Network.enable");
            return traffic;
        }

        private static bool Flag(JsonElement element, string name) =>
            element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.True;
    }
}
