using Aspire.Hosting.Testing;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Platform.Integration.Tests.Browser;

/// <summary>What a person does in the Web app, step by step, in one browser context.</summary>
public sealed class WebSession(IPage page, Uri web)
{
    public IPage Page { get; } = page;

    public static async Task<WebSession> OpenAsync(PlatformAppFixture app, BrowserFixture browser, bool phone = false)
    {
        var context = await browser.NewContextAsync(phone);
        return new WebSession(await context.NewPageAsync(), app.App.GetEndpoint("web", "http"));
    }

    public string Url(string path) => new Uri(web, path).ToString();

    public async Task RegisterAsync(string email, string password)
    {
        await Page.GotoAsync(Url("/account/register"));
        await Page.GetByLabel("E-mail").FillAsync(email);
        await Page.GetByLabel("Password", new() { Exact = true }).FillAsync(password);
        await Page.GetByLabel("Repeat the password").FillAsync(password);
        await Page.GetByRole(AriaRole.Button, new() { Name = "Create account" }).ClickAsync();
        await Expect(Page.GetByRole(AriaRole.Heading, new() { Name = "Your gallery" })).ToBeVisibleAsync();
    }

    public async Task SignInAsync(string email, string password)
    {
        await Page.GotoAsync(Url("/account/login"));
        await Page.GetByLabel("E-mail").FillAsync(email);
        await Page.GetByLabel("Password").FillAsync(password);
        await Page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Expect(Page.GetByRole(AriaRole.Heading, new() { Name = "Your gallery" })).ToBeVisibleAsync();
    }

    /// <summary>Uploads the files on the upload page; returns when each shows a full progress bar and is queued.</summary>
    public async Task UploadAsync(params FilePayload[] files)
    {
        await Page.GotoAsync(Url("/upload"));
        await Page.Locator("#files").SetInputFilesAsync(files);
        foreach (var file in files)
        {
            var row = Page.Locator("li.upload", new() { Has = Page.GetByText(file.Name, new() { Exact = true }) });
            await Expect(row.Locator("progress")).ToHaveAttributeAsync("aria-label", $"Upload progress of {file.Name}");
            await Expect(row.Locator("progress")).ToHaveJSPropertyAsync("value", 100);
            await Expect(row).ToHaveAttributeAsync("data-status", new System.Text.RegularExpressions.Regex("^(uploaded|processing|ready)$"));
        }
    }

    public async Task ScreenshotAsync(string name) =>
        await Page.ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.ScreenshotDirectory, name), FullPage = true });

    public static string NewEmail() => $"user-{Guid.NewGuid():N}@example.com";

    public const string Password = "Gallery walk at dusk 55";
}
