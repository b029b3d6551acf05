using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Platform.Integration.Tests.Browser;

[CollectionDefinition(nameof(WebRestart), DisableParallelization = true)]
public sealed class WebRestart;

/// <summary>
/// Restarts the Web resource, so it runs alone: no other test may be using Web meanwhile. Running alone puts it among the
/// outage tests, so it too begins once every service is healthy again (<see cref="Reliability.OutageTest"/>).
/// </summary>
[Collection(nameof(WebRestart))]
public sealed class SessionRestartTests(PlatformAppFixture app, BrowserFixture browser) : Reliability.OutageTest
{
    [Fact]
    public async Task A_signed_in_session_survives_a_restart_of_the_web_app()
    {
        var session = await WebSession.OpenAsync(app, browser);
        var email = WebSession.NewEmail();
        await session.RegisterAsync(email, WebSession.Password);

        await ResourceControl.RestartAsync(app.App, "web", TestContext.Current.CancellationToken);

        await session.Page.GotoAsync(session.Url("/gallery"));
        await Expect(session.Page.GetByRole(AriaRole.Heading, new() { Name = "Your gallery" })).ToBeVisibleAsync();
        await Expect(session.Page.GetByRole(AriaRole.Button, new() { Name = "Sign out" })).ToBeVisibleAsync();
    }
}
