using System.Net;
using System.Text.RegularExpressions;
using Aspire.Hosting.Testing;

namespace Platform.Integration.Tests.Security;

/// <summary>
/// The Web app as a browser without JavaScript meets it: cookies kept, forms posted with their antiforgery token,
/// redirects not followed (so each answer is the one the test sees).
/// </summary>
public sealed partial class WebFormSession : IDisposable
{
    private WebFormSession(HttpClient http, CookieContainer cookies)
    {
        Http = http;
        Cookies = cookies;
    }

    public HttpClient Http { get; }

    public CookieContainer Cookies { get; }

    public static WebFormSession Open(PlatformAppFixture fixture)
    {
        var cookies = new CookieContainer();
        var handler = new HttpClientHandler { CookieContainer = cookies, AllowAutoRedirect = false };
        var client = new HttpClient(handler) { BaseAddress = fixture.App.GetEndpoint("web", "http"), Timeout = TimeSpan.FromSeconds(60) };
        // A browser at an address of its own (Web trusts the loopback proxy that says so, and forwards it to the Api): the
        // suite's sign-ups through the form are not one client that the per-address sign-in limit throttles.
        client.DefaultRequestHeaders.Add("X-Forwarded-For", SignInClients.NewAddress());
        return new WebFormSession(client, cookies);
    }

    /// <summary>A new account, created and signed in through the register form.</summary>
    public static async Task<WebFormSession> SignUpAsync(PlatformAppFixture fixture, string email, CancellationToken ct)
    {
        var session = Open(fixture);
        var response = await session.PostFormAsync("/account/register",
            new() { ["Email"] = email, ["Password"] = MediaClient.Password, ["ConfirmPassword"] = MediaClient.Password }, ct);
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/gallery", response.Headers.Location?.OriginalString);
        return session;
    }

    /// <summary>The antiforgery token a page hands out: its hidden form field, or the upload page's data attribute.</summary>
    public async Task<string> AntiforgeryTokenAsync(string page, CancellationToken ct)
    {
        var html = await Http.GetStringAsync(page, ct);
        var token = TokenIn(html);
        Assert.True(token.Length > 0, $"{page} has no antiforgery token");
        return token;
    }

    /// <summary>The antiforgery token in a page's HTML ("" when there is none).</summary>
    public static string TokenIn(string html)
    {
        var match = HiddenToken().Match(html) is { Success: true } hidden ? hidden : DataToken().Match(html);
        return match.Success ? WebUtility.HtmlDecode(match.Groups["token"].Value) : "";
    }

    /// <summary>Posts a form the way the page does: the fields plus the page's antiforgery token.</summary>
    public async Task<HttpResponseMessage> PostFormAsync(string page, Dictionary<string, string> fields, CancellationToken ct)
    {
        fields["__RequestVerificationToken"] = await AntiforgeryTokenAsync(page, ct);
        var content = new FormUrlEncodedContent(fields);
        using var request = new HttpRequestMessage(HttpMethod.Post, page) { Content = content };
        // A large body is offered with Expect: 100-continue, so a server that refuses it before reading (413) answers
        // before the body is sent; otherwise the refusal races the upload and the client may see only a reset socket.
        request.Headers.ExpectContinue = content.Headers.ContentLength > LargeBodyBytes;
        return await Http.SendAsync(request, ct);
    }

    private const long LargeBodyBytes = 64 * 1024;

    public void Dispose() => Http.Dispose();

    [GeneratedRegex("""<input[^>]*name="__RequestVerificationToken"[^>]*value="(?<token>[^"]+)""")]
    private static partial Regex HiddenToken();

    [GeneratedRegex("""data-antiforgery="(?<token>[^"]+)""")]
    private static partial Regex DataToken();
}
