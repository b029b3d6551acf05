using Microsoft.Playwright;

[assembly: AssemblyFixture(typeof(Platform.Integration.Tests.Browser.BrowserFixture))]

namespace Platform.Integration.Tests.Browser;

/// <summary>
/// Debian's Chromium driven by Playwright, launched once per run. Each test opens its own context (cookies, storage),
/// so users never leak between tests. Playwright never downloads a browser here: eng/test.sh installs chromium.
/// </summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    public const string ChromiumPath = "/usr/bin/chromium";

    /// <summary>How long any browser step or expectation waits for its condition.</summary>
    private const float ActionTimeoutMs = 30_000;

    /// <summary>Where screenshots go: artifacts/screenshots at the repository root.</summary>
    public static readonly string ScreenshotDirectory = Path.Combine(RepositoryRoot(), "artifacts", "screenshots");

    private IPlaywright? _playwright;
    private IBrowser? _browser;

    public IBrowser Browser => _browser ?? throw new InvalidOperationException("The browser has not started.");

    public async ValueTask InitializeAsync()
    {
        if (!File.Exists(ChromiumPath))
        {
            throw new InvalidOperationException($"{ChromiumPath} is missing: install it with `sudo apt-get install -y chromium` (eng/test.sh does).");
        }

        Directory.CreateDirectory(ScreenshotDirectory);

        // Expectations wait as long as actions do (30 s, see NewContextAsync): Playwright's 5 s default for Expect was
        // too short on a loaded two-core machine, e.g. for an upload whose parts all fail and are retried.
        Assertions.SetDefaultExpectTimeout(ActionTimeoutMs);
        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            // Without the background-networking flags Chromium keeps calling Google services this network refuses.
            Args =
            [
                "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
            ],
            Timeout = 60_000,
        });
    }

    /// <summary>A fresh browser profile on a phone-sized or desktop viewport, with a default timeout for every wait.</summary>
    public async Task<IBrowserContext> NewContextAsync(bool phone = false)
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            ViewportSize = phone ? new ViewportSize { Width = 390, Height = 844 } : new ViewportSize { Width = 1280, Height = 900 },
        });
        context.SetDefaultTimeout(ActionTimeoutMs);
        return context;
    }

    public async ValueTask DisposeAsync()
    {
        if (_browser is not null)
        {
            await _browser.DisposeAsync();
        }

        _playwright?.Dispose();
    }

    internal static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Platform.sln")))
            {
                return dir.FullName;
            }
        }

        return Path.GetTempPath();
    }
}
