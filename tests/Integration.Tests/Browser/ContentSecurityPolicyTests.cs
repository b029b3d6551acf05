using System.Collections.Concurrent;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Platform.Integration.Tests.Browser;

/// <summary>
/// The Content-Security-Policy as Chromium enforces it: a whole journey (sign-up, uploads straight to S3 in one PUT and
/// in parts, the gallery's signed thumbnails, details, delete, sign-out) runs without a single violation.
/// </summary>
public sealed class ContentSecurityPolicyTests(PlatformAppFixture app, BrowserFixture browser)
{
    private static readonly TimeSpan Processing = TimeSpan.FromSeconds(60);

    /// <summary>Runs before any page script; CSP does not apply to it. Every violation the page reports is kept.</summary>
    private const string RecordViolations = """
        window.__cspViolations = [];
        document.addEventListener("securitypolicyviolation", e =>
          window.__cspViolations.push(`${e.effectiveDirective} blocked ${e.blockedURI || "(inline)"} on ${location.pathname}`));
        """;

    [Fact]
    public async Task The_main_pages_run_without_a_content_security_policy_violation()
    {
        var session = await WebSession.OpenAsync(app, browser);
        var page = session.Page;
        var violations = new ConcurrentBag<string>();
        await page.Context.AddInitScriptAsync(RecordViolations);
        page.Console += (_, message) =>
        {
            if (message.Text.Contains("Content Security Policy", StringComparison.OrdinalIgnoreCase))
            {
                violations.Add($"console on {page.Url}: {message.Text}");
            }
        };
        async Task CollectAsync()
        {
            foreach (var violation in await page.EvaluateAsync<string[]>("() => window.__cspViolations ?? []"))
            {
                violations.Add(violation);
            }
        }

        await page.GotoAsync(session.Url("/"));
        await CollectAsync();
        await session.RegisterAsync(WebSession.NewEmail(), WebSession.Password);
        await CollectAsync();

        var photo = await TestFiles.ImageAsync(page, "csp.jpg", "image/jpeg", 640, 480);
        var scan = new FilePayload { Name = "csp-scan.png", MimeType = "image/png", Buffer = TestMedia.UncompressedPng(2000, 1500) };
        await session.UploadAsync(photo, scan);
        await CollectAsync();

        await page.GotoAsync(session.Url("/gallery"));
        await Expect(page.Locator("li.tile[data-status=ready]")).ToHaveCountAsync(2, new() { Timeout = (float)Processing.TotalMilliseconds });
        await page.ReloadAsync();
        foreach (var thumbnail in await page.Locator("li.tile img").AllAsync())
        {
            await Expect(thumbnail).ToHaveJSPropertyAsync("complete", true);
            Assert.True(await thumbnail.EvaluateAsync<int>("i => i.naturalWidth") > 0, "a thumbnail did not load");
        }

        await CollectAsync();
        await page.GetByRole(AriaRole.Link, new() { Name = "csp.jpg" }).First.ClickAsync();
        await Expect(page.GetByRole(AriaRole.Img, new() { Name = "csp.jpg" })).ToBeVisibleAsync();
        await CollectAsync();
        await page.GetByRole(AriaRole.Link, new() { Name = "Delete" }).ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Delete for good" }).ClickAsync();
        await Expect(page.GetByText("The file was deleted.")).ToBeVisibleAsync();
        await CollectAsync();
        await page.GotoAsync(session.Url("/no-such-page"));
        await CollectAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = "Sign in", Exact = true })).ToBeVisibleAsync();
        await CollectAsync();

        Assert.Empty(violations);
    }
}
