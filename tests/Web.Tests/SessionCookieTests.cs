using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Platform.Web.Features.Accounts;

namespace Platform.Web.Tests;

/// <summary>The Web session cookie: its name outside Development, and a session that ends however busy it is.</summary>
public sealed class SessionCookieTests
{
    private static readonly DateTimeOffset SignedIn = new(2026, 1, 5, 8, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData("Production")]
    [InlineData("Staging")]
    public void Outside_development_the_session_cookie_is_a_host_only_secure_cookie(string environment)
    {
        var options = Configured(environment, new FixedClock(SignedIn));

        Assert.Equal("__Host-platform.session", options.Cookie.Name);
        Assert.Equal(CookieSecurePolicy.Always, options.Cookie.SecurePolicy);
        Assert.Equal("/", options.Cookie.Path);
        Assert.Null(options.Cookie.Domain);
        Assert.True(options.Cookie.HttpOnly);
    }

    [Fact]
    public void In_development_over_plain_http_the_cookie_keeps_a_plain_name()
    {
        Assert.Equal("platform.session", Configured("Development", new FixedClock(SignedIn)).Cookie.Name);
    }

    [Fact]
    public async Task A_session_in_use_all_along_ends_at_its_absolute_lifetime()
    {
        var clock = new FixedClock(SignedIn.AddHours(11).AddMinutes(59));
        var options = Configured("Production", clock);

        var young = await ValidateAsync(options);
        clock.Now = SignedIn.AddHours(12).AddSeconds(1);
        var old = await ValidateAsync(options);

        Assert.NotNull(young.Principal);
        Assert.Null(old.Principal);
    }

    [Fact]
    public async Task A_session_without_a_sign_in_time_is_refused()
    {
        var options = Configured("Production", new FixedClock(SignedIn));
        var properties = new AuthenticationProperties();

        var context = await ValidateAsync(options, properties);

        Assert.Null(context.Principal);
    }

    private static CookieAuthenticationOptions Configured(string environment, TimeProvider clock)
    {
        var options = new CookieAuthenticationOptions();
        SessionCookie.Configure(options, new Environment(environment), new SessionLifetimeOptions(), clock);
        return options;
    }

    private static async Task<CookieValidatePrincipalContext> ValidateAsync(CookieAuthenticationOptions options, AuthenticationProperties? properties = null)
    {
        var services = new ServiceCollection().AddLogging().AddAuthentication().AddCookie().Services.BuildServiceProvider();
        var http = new DefaultHttpContext { RequestServices = services };
        properties ??= SessionCookie.SignedInAt(new AuthenticationProperties(), SignedIn);
        var principal = new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.Name, "someone@example.test")], "cookie"));
        var scheme = new AuthenticationScheme(CookieAuthenticationDefaults.AuthenticationScheme, null, typeof(CookieAuthenticationHandler));
        var context = new CookieValidatePrincipalContext(http, scheme, options, new AuthenticationTicket(principal, properties, scheme.Name));
        await options.Events.OnValidatePrincipal(context);
        return context;
    }

    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;

        public override DateTimeOffset GetUtcNow() => Now;
    }

    private sealed class Environment(string name) : IHostEnvironment
    {
        public string EnvironmentName { get; set; } = name;

        public string ApplicationName { get; set; } = "Web";

        public string ContentRootPath { get; set; } = "/";

        public Microsoft.Extensions.FileProviders.IFileProvider ContentRootFileProvider { get; set; } = new Microsoft.Extensions.FileProviders.NullFileProvider();
    }
}
