using System.Net;
using Microsoft.Playwright;
using Platform.Integration.Tests.Browser;
using Platform.Integration.Tests.Security;
using Platform.Tests.Shared;
using static Microsoft.Playwright.Assertions;

namespace Platform.Integration.Tests.Reliability;

/// <summary>
/// Web keeps its sessions in Redis: without Redis a person is told so in a sentence, never shown a 500, and once Redis
/// is back they are still signed in.
/// </summary>
[Collection(nameof(Outages))]
public sealed class WebSessionOutageTests(PlatformAppFixture app, BrowserFixture browser, ITestOutputHelper output) : OutageTest
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Without_redis_pages_say_the_session_cannot_be_read_sign_in_says_to_try_again_and_the_session_survives()
    {
        var signedIn = await WebSession.OpenAsync(app, browser);
        var email = WebSession.NewEmail();
        await signedIn.RegisterAsync(email, WebSession.Password);

        await Outages.KillAsync(app.App, "redis", Ct);
        try
        {
            var gallery = await signedIn.Page.GotoAsync(signedIn.Url("/gallery"));
            output.WriteLine($"Redis down: GET /gallery answered {gallery!.Status}, Retry-After {gallery.Headers.GetValueOrDefault("retry-after")}");
            Assert.Equal(503, gallery.Status);
            Assert.NotNull(gallery.Headers.GetValueOrDefault("retry-after"));
            await Expect(signedIn.Page.GetByRole(AriaRole.Heading, new() { Name = "Your session cannot be read right now" })).ToBeVisibleAsync();
            await Expect(signedIn.Page.GetByText("You are still signed in")).ToBeVisibleAsync();
            await signedIn.ScreenshotAsync("session-store-down.png");

            var newcomer = await WebSession.OpenAsync(app, browser);
            var loginPage = await newcomer.Page.GotoAsync(newcomer.Url("/account/login"));
            output.WriteLine($"Redis down: GET /account/login answered {loginPage!.Status}");
            await newcomer.ScreenshotAsync("session-store-down-sign-in.png");
            await newcomer.Page.GetByLabel("E-mail").FillAsync(email);
            await newcomer.Page.GetByLabel("Password").FillAsync(WebSession.Password);
            var signIn = await newcomer.Page.RunAndWaitForResponseAsync(
                () => newcomer.Page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync(),
                r => r.Url.Contains("/account/login", StringComparison.Ordinal) && r.Request.Method == "POST");
            Assert.True(signIn.Status < 500, $"sign-in answered {signIn.Status}");
            await Expect(newcomer.Page.GetByRole(AriaRole.Alert)).ToContainTextAsync("Signing in is not possible for a moment");
        }
        finally
        {
            await ResourceControl.StartAsync(app.App, "redis", Ct);
        }

        // Web finds Redis again by itself (its connection reconnects, its circuit closes within two seconds), and Redis kept
        // the session through its crash: the person is still signed in, without doing anything.
        var back = await Eventually.ReturnsAsync(async _ => (await signedIn.Page.GotoAsync(signedIn.Url("/gallery")))!.Status,
            status => status != 503, Outages.Recovery, Ct);
        Assert.Equal(200, back);
        await Expect(signedIn.Page.GetByRole(AriaRole.Heading, new() { Name = "Your gallery" })).ToBeVisibleAsync();
    }

    [Fact]
    public async Task Stylesheets_and_scripts_are_served_without_reading_the_session_so_they_load_while_redis_is_down()
    {
        using var signedIn = await WebFormSession.SignUpAsync(app, WebSession.NewEmail(), Ct);
        string[] assets = ["/css/site.css", "/js/upload.js", "/js/gallery.js"];

        await Outages.KillAsync(app.App, "redis", Ct);
        try
        {
            // The session cookie goes with every request: a page needs the session and cannot be shown without Redis.
            using var gallery = await signedIn.Http.GetAsync("/gallery", Ct);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, gallery.StatusCode);

            foreach (var asset in assets)
            {
                using var response = await signedIn.Http.GetAsync(asset, Ct);
                output.WriteLine($"Redis down, signed in: GET {asset} answered {(int)response.StatusCode}");
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                Assert.True((await response.Content.ReadAsByteArrayAsync(Ct)).Length > 0, $"{asset} has a body");
                Assert.False(response.Headers.Contains("Set-Cookie"), $"{asset} set a cookie: {string.Join("; ", response.Headers.TryGetValues("Set-Cookie", out var set) ? set : [])}");
                // The security headers are still there: they are added before static assets are served.
                Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
            }
        }
        finally
        {
            await ResourceControl.StartAsync(app.App, "redis", Ct);
        }
    }
}
