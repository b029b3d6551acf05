using System.Net;
using System.Text.RegularExpressions;
using Aspire.Hosting.Testing;

namespace Platform.Integration.Tests.Security;

/// <summary>What the Web app tells browsers about its pages, and what it refuses from them.</summary>
public sealed partial class WebSecurityTests(PlatformAppFixture fixture)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Every_page_carries_a_strict_content_security_policy_and_the_other_security_headers()
    {
        using var web = await WebFormSession.SignUpAsync(fixture, $"user-{Guid.NewGuid():N}@example.test", Ct);
        using var anonymous = WebFormSession.Open(fixture);
        // The origin the Api's upload URLs point at: the pages must be allowed to reach it, and nothing else off-site.
        using var apiUser = await MediaClient.SignUpAsync(fixture, Ct);
        var storage = new Uri((await apiUser.CreateAsync("a.png", "image/png", 10, Ct)).UploadUrl).GetLeftPart(UriPartial.Authority);

        var pages = new (HttpClient Client, string Path)[]
        {
            (anonymous.Http, "/"), (anonymous.Http, "/account/login"), (anonymous.Http, "/account/register"), (anonymous.Http, "/no-such-page"),
            (web.Http, "/gallery"), (web.Http, "/upload"), (web.Http, $"/media/{Guid.NewGuid()}"),
        };
        foreach (var (client, path) in pages)
        {
            var response = await client.GetAsync(path, Ct);
            Assert.True((int)response.StatusCode < 500, $"{path}: {(int)response.StatusCode}");

            var csp = Directives(Header(response, "Content-Security-Policy"));
            Assert.Equal(["'self'"], csp["default-src"]);
            Assert.Equal(["'self'"], csp["script-src"]);
            Assert.Equal(["'self'"], csp["style-src"]);
            Assert.Equal(["'self'", storage], csp["img-src"]);
            Assert.Equal(["'self'", storage], csp["connect-src"]);
            Assert.Equal(["'none'"], csp["frame-ancestors"]);
            Assert.Equal(["'none'"], csp["object-src"]);
            Assert.Equal(["'none'"], csp["base-uri"]);
            Assert.Equal(["'self'"], csp["form-action"]);
            Assert.DoesNotContain(csp.Values.SelectMany(v => v), s => s.Contains("unsafe", StringComparison.OrdinalIgnoreCase) || s == "*");
            Assert.Equal("nosniff", Header(response, "X-Content-Type-Options"));
            Assert.Equal("same-origin", Header(response, "Referrer-Policy"));
            Assert.Equal("DENY", Header(response, "X-Frame-Options"), ignoreCase: true);
            Assert.Equal("same-origin", Header(response, "Cross-Origin-Opener-Policy"));
        }
    }

    [Fact]
    public async Task The_pages_have_no_inline_scripts_styles_or_event_handlers()
    {
        using var web = await WebFormSession.SignUpAsync(fixture, $"user-{Guid.NewGuid():N}@example.test", Ct);
        using var anonymous = WebFormSession.Open(fixture);

        foreach (var (client, path) in new[] { (anonymous, "/"), (anonymous, "/account/login"), (anonymous, "/account/register"), (web, "/gallery"), (web, "/upload") })
        {
            var html = await client.Http.GetStringAsync(path, Ct);

            Assert.DoesNotMatch(InlineScript(), html);
            Assert.DoesNotMatch(InlineStyle(), html);
            Assert.DoesNotMatch(EventHandlerAttribute(), html);
        }
    }

    [Fact]
    public async Task Cookies_are_http_only_and_same_site_and_secure_when_the_request_came_over_https()
    {
        // A TLS-terminating proxy on this host (as a reverse proxy in front of a local install would) says "https";
        // cookies are handled by hand here because a cookie jar would not send Secure cookies back over plain HTTP.
        using var http = new HttpClient(new HttpClientHandler { UseCookies = false, AllowAutoRedirect = false })
        {
            BaseAddress = fixture.App.GetEndpoint("web", "http"),
        };
        http.DefaultRequestHeaders.Add("X-Forwarded-Proto", "https");

        var form = await http.GetAsync("/account/register", Ct);
        var antiforgeryCookie = Assert.Single(SetCookies(form), c => c.StartsWith(".AspNetCore.Antiforgery.", StringComparison.Ordinal));
        var token = WebFormSession.TokenIn(await form.Content.ReadAsStringAsync(Ct));
        using var register = new HttpRequestMessage(HttpMethod.Post, "/account/register")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["Email"] = $"user-{Guid.NewGuid():N}@example.test",
                ["Password"] = MediaClient.Password,
                ["ConfirmPassword"] = MediaClient.Password,
                ["__RequestVerificationToken"] = token,
            }),
        };
        register.Headers.Add("Cookie", antiforgeryCookie.Split(';')[0]);
        var signedIn = await http.SendAsync(register, Ct);

        Assert.Equal(HttpStatusCode.Redirect, signedIn.StatusCode);
        var sessionCookie = Assert.Single(SetCookies(signedIn), c => c.StartsWith("platform.session=", StringComparison.Ordinal));
        foreach (var cookie in new[] { antiforgeryCookie, sessionCookie })
        {
            var attributes = cookie.Split(';', StringSplitOptions.TrimEntries).Skip(1).Select(a => a.ToLowerInvariant()).ToList();
            Assert.Contains("secure", attributes);
            Assert.Contains("httponly", attributes);
            Assert.Contains(attributes, a => a is "samesite=lax" or "samesite=strict");
        }

        Assert.Contains("samesite=strict", antiforgeryCookie.ToLowerInvariant());
    }

    [Fact]
    public async Task Over_plain_http_in_development_cookies_are_still_http_only_and_same_site()
    {
        using var http = new HttpClient(new HttpClientHandler { UseCookies = false, AllowAutoRedirect = false })
        {
            BaseAddress = fixture.App.GetEndpoint("web", "http"),
        };

        var form = await http.GetAsync("/account/login", Ct);

        var cookie = Assert.Single(SetCookies(form), c => c.StartsWith(".AspNetCore.Antiforgery.", StringComparison.Ordinal)).ToLowerInvariant();
        Assert.Contains("httponly", cookie);
        Assert.Contains("samesite=strict", cookie);
    }

    [Fact]
    public async Task A_form_posted_without_its_antiforgery_token_gets_a_400_page()
    {
        using var web = WebFormSession.Open(fixture);
        await web.Http.GetAsync("/account/login", Ct);

        var response = await web.Http.PostAsync("/account/login",
            new FormUrlEncodedContent(new Dictionary<string, string> { ["Email"] = "a@example.test", ["Password"] = "x" }), Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("The form was incomplete or has expired", await response.Content.ReadAsStringAsync(Ct));
    }

    [Fact]
    public async Task An_oversized_post_is_refused_with_a_4xx_page_before_it_is_read()
    {
        using var web = WebFormSession.Open(fixture);

        var response = await web.PostFormAsync("/account/login",
            new() { ["Email"] = "a@example.test", ["Password"] = new string('x', 200_000) }, Ct);

        Assert.Contains(response.StatusCode, new[] { HttpStatusCode.RequestEntityTooLarge, HttpStatusCode.BadRequest });
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
    }

    private static string Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) || response.Content.Headers.TryGetValues(name, out values)
            ? string.Join(", ", values)
            : throw new Xunit.Sdk.XunitException($"{response.RequestMessage?.RequestUri} has no {name} header");

    private static Dictionary<string, string[]> Directives(string policy) =>
        policy.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(d => d.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .ToDictionary(d => d[0], d => d[1..]);

    private static IEnumerable<string> SetCookies(HttpResponseMessage response) =>
        response.Headers.TryGetValues("Set-Cookie", out var values) ? values : [];

    [GeneratedRegex("""<script(?![^>]*\bsrc=)[^>]*>""", RegexOptions.IgnoreCase)]
    private static partial Regex InlineScript();

    [GeneratedRegex("""<style\b|\sstyle\s*=""", RegexOptions.IgnoreCase)]
    private static partial Regex InlineStyle();

    [GeneratedRegex("""\son[a-z]+\s*=\s*["']""", RegexOptions.IgnoreCase)]
    private static partial Regex EventHandlerAttribute();
}
