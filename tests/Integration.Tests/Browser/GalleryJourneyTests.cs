using System.Collections.Concurrent;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Platform.Integration.Tests.Browser;

/// <summary>A person's whole journey in a real browser against the real AppHost.</summary>
public sealed class GalleryJourneyTests(PlatformAppFixture app, BrowserFixture browser)
{
    private static readonly TimeSpan Processing = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Register_upload_see_thumbnails_open_details_and_delete()
    {
        var session = await WebSession.OpenAsync(app, browser);
        var page = session.Page;
        await session.RegisterAsync(WebSession.NewEmail(), WebSession.Password);
        await Expect(page.GetByText("Nothing here yet")).ToBeVisibleAsync();

        var photo = await TestFiles.ImageAsync(page, "harbour.jpg", "image/jpeg", 1600, 1200);
        var drawing = await TestFiles.ImageAsync(page, "sketch.png", "image/png", 800, 600);
        var report = TestFiles.Pdf("report.pdf", pages: 3);
        await session.UploadAsync(photo, drawing, report);
        await session.ScreenshotAsync("upload.png");

        // The gallery updates by itself until every item is processed: two thumbnails and a PDF tile.
        await page.GotoAsync(session.Url("/gallery"));
        var tiles = page.Locator("li.tile");
        await Expect(tiles).ToHaveCountAsync(3);
        await Expect(page.Locator("li.tile[data-status=ready]")).ToHaveCountAsync(3, new() { Timeout = (float)Processing.TotalMilliseconds });
        await Expect(page.GetByRole(AriaRole.Img, new() { Name = "harbour.jpg" })).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Img, new() { Name = "sketch.png" })).ToBeVisibleAsync();
        await Expect(page.Locator("li.tile", new() { HasText = "report.pdf" }).GetByText("PDF", new() { Exact = true })).ToBeVisibleAsync();
        foreach (var thumbnail in await page.Locator("li.tile img").AllAsync())
        {
            await Expect(thumbnail).ToHaveJSPropertyAsync("complete", true);
            Assert.InRange(await thumbnail.EvaluateAsync<int>("i => i.naturalWidth"), 1, 320);
        }

        await session.ScreenshotAsync("gallery.png");

        // Details: the larger image, its metadata and a download link.
        await page.GetByRole(AriaRole.Link, new() { Name = "harbour.jpg" }).First.ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "harbour.jpg" })).ToBeVisibleAsync();
        await Expect(page.GetByText("1600 × 1200 px")).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = "Download" })).ToBeVisibleAsync();
        await session.ScreenshotAsync("details.png");

        // Delete, with confirmation.
        await page.GetByRole(AriaRole.Link, new() { Name = "Delete" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Delete “harbour.jpg”?" })).ToBeVisibleAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Delete for good" }).ClickAsync();
        await Expect(page.GetByText("The file was deleted.")).ToBeVisibleAsync();
        await Expect(page.Locator("li.tile")).ToHaveCountAsync(2);
        await Expect(page.GetByText("harbour.jpg")).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task A_file_too_large_for_one_put_goes_up_in_parts_under_one_progress_bar_and_becomes_ready()
    {
        var session = await WebSession.OpenAsync(app, browser);
        var page = session.Page;
        await session.RegisterAsync(WebSession.NewEmail(), WebSession.Password);
        // Larger than the local S3 emulator takes in one PUT (about 11 MiB), so only a multipart upload gets it there.
        var scan = new FilePayload { Name = "large-scan.png", MimeType = "image/png", Buffer = TestMedia.UncompressedPng(2200, 2200) };
        Assert.True(scan.Buffer.Length > 11 * 1024 * 1024, $"the test file has only {scan.Buffer.Length} bytes");
        var partPuts = new ConcurrentBag<string>();
        page.Request += (_, request) =>
        {
            if (request.Method == "PUT" && request.Url.Contains("partNumber=", StringComparison.Ordinal))
            {
                partPuts.Add(request.Url);
            }
        };

        await session.UploadAsync(scan);

        var row = page.Locator("li.upload", new() { HasText = "large-scan.png" });
        await Expect(row.Locator("progress")).ToHaveCountAsync(1);
        await Expect(row).ToHaveAttributeAsync("data-status", "ready", new() { Timeout = (float)Processing.TotalMilliseconds });
        await Expect(row.Locator(".upload-status")).ToHaveTextAsync("Ready");
        Assert.True(partPuts.Count >= 2, $"{partPuts.Count} part PUTs were sent");
        await session.ScreenshotAsync("upload-multipart.png");
    }

    [Fact]
    public async Task A_part_that_cannot_be_sent_is_retried_once_then_named_in_a_clear_message()
    {
        var session = await WebSession.OpenAsync(app, browser);
        var page = session.Page;
        await session.RegisterAsync(WebSession.NewEmail(), WebSession.Password);
        // The connection drops for every part; the bytes never matter, only the size that makes it a multipart upload.
        var attempts = new ConcurrentDictionary<string, int>();
        await page.RouteAsync(new System.Text.RegularExpressions.Regex("partNumber="), async route =>
        {
            if (route.Request.Method == "PUT")
            {
                attempts.AddOrUpdate(new Uri(route.Request.Url).Query.Split('&').Single(p => p.Contains("partNumber=")), 1, (_, n) => n + 1);
            }

            await route.AbortAsync("connectionreset");
        });

        await page.GotoAsync(session.Url("/upload"));
        await page.Locator("#files").SetInputFilesAsync(new FilePayload { Name = "unlucky.pdf", MimeType = "application/pdf", Buffer = new byte[9 * 1024 * 1024] });

        var row = page.Locator("li.upload", new() { HasText = "unlucky.pdf" });
        await Expect(row).ToHaveAttributeAsync("data-status", "failed");
        await Expect(row.Locator(".upload-status")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex(
            "^Part [12] of 2 could not be uploaded\\. The connection to storage failed\\.$"));
        Assert.Contains(2, attempts.Values);
        Assert.All(attempts.Values, count => Assert.InRange(count, 1, 2));
    }

    [Fact]
    public async Task Another_user_sees_none_of_the_first_users_items()
    {
        var owner = await WebSession.OpenAsync(app, browser);
        await owner.RegisterAsync(WebSession.NewEmail(), WebSession.Password);
        await owner.UploadAsync(await TestFiles.ImageAsync(owner.Page, "private.png", "image/png", 400, 300));
        await owner.Page.GotoAsync(owner.Url("/gallery"));
        var href = await owner.Page.Locator("li.tile a").First.GetAttributeAsync("href");
        Assert.StartsWith("/media/", href);

        var other = await WebSession.OpenAsync(app, browser, phone: true);
        await other.RegisterAsync(WebSession.NewEmail(), WebSession.Password);
        await Expect(other.Page.GetByText("Nothing here yet")).ToBeVisibleAsync();
        await Expect(other.Page.GetByText("private.png")).ToHaveCountAsync(0);

        var response = await other.Page.GotoAsync(other.Url(href!));
        Assert.Equal(404, response!.Status);
        await Expect(other.Page.GetByRole(AriaRole.Heading, new() { Name = "Page not found" })).ToBeVisibleAsync();
        await other.ScreenshotAsync("other-user-phone.png");
    }

    [Fact]
    public async Task Bad_input_gets_a_clear_message_not_an_error_page()
    {
        var session = await WebSession.OpenAsync(app, browser);
        var page = session.Page;
        await session.RegisterAsync(WebSession.NewEmail(), WebSession.Password);

        await page.GotoAsync(session.Url("/upload"));
        await page.Locator("#files").SetInputFilesAsync(new FilePayload { Name = "notes.txt", MimeType = "text/plain", Buffer = "hello"u8.ToArray() });
        var row = page.Locator("li.upload", new() { HasText = "notes.txt" });
        await Expect(row).ToHaveAttributeAsync("data-status", "failed");
        await Expect(row.Locator(".upload-status")).Not.ToBeEmptyAsync();
        await Expect(row.Locator(".upload-status")).Not.ToContainTextAsync("Exception");

        var response = await page.GotoAsync(session.Url("/no-such-page"));
        Assert.Equal(404, response!.Status);
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Page not found" })).ToBeVisibleAsync();
    }
}
