using System.Globalization;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Platform.Web.Infrastructure;

namespace Platform.Web.Features.Accounts;

/// <summary>How long a Web session lasts (<c>Accounts:Session</c>).</summary>
public sealed class SessionLifetimeOptions
{
    public const string SectionName = "Accounts:Session";

    /// <summary>A session nobody uses for this long ends (each request renews it).</summary>
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromHours(2);

    /// <summary>However busy, a session ends this long after the sign-in.</summary>
    public TimeSpan AbsoluteLifetime { get; set; } = TimeSpan.FromHours(12);
}

/// <summary>
/// The session cookie: a sliding lifetime (<see cref="SessionLifetimeOptions.IdleTimeout"/>) and an absolute one
/// (<see cref="SessionLifetimeOptions.AbsoluteLifetime"/>), which ASP.NET Core's cookie handler does not have: sliding
/// expiration renews the ticket's issue and expiry times, so the sign-in time is kept in the ticket's properties
/// (<see cref="SignedInAtItem"/>) and checked on every request. Outside Development the cookie's name starts with
/// <c>__Host-</c>: browsers then accept it only when it is Secure, for Path=/ and without a Domain, so no sibling
/// sub-domain can plant or overwrite it.
/// </summary>
public static class SessionCookie
{
    public const string DevelopmentName = "platform.session";

    public const string Name = "__Host-platform.session";

    public const string SignedInAtItem = "platform.signed-in-at";

    public static void Configure(CookieAuthenticationOptions options, IHostEnvironment environment, SessionLifetimeOptions lifetime, TimeProvider clock)
    {
        options.LoginPath = "/account/login";
        options.LogoutPath = "/account/logout";
        options.AccessDeniedPath = "/account/login";
        options.Cookie.Name = environment.IsDevelopment() ? DevelopmentName : Name;
        options.Cookie.Path = "/";
        options.Cookie.Domain = null;
        options.Cookie.HttpOnly = true;
        options.Cookie.SameSite = SameSiteMode.Lax;
        options.Cookie.SecurePolicy = WebSecurity.CookieSecurePolicyFor(environment);
        options.ExpireTimeSpan = lifetime.IdleTimeout;
        options.SlidingExpiration = true;
        options.Events.OnValidatePrincipal = async context =>
        {
            if (!IsWithinAbsoluteLifetime(context.Properties, lifetime.AbsoluteLifetime, clock.GetUtcNow()))
            {
                context.RejectPrincipal();
                await context.HttpContext.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
            }
        };
    }

    /// <summary>Marks a new session with its sign-in time.</summary>
    public static AuthenticationProperties SignedInAt(AuthenticationProperties properties, DateTimeOffset now)
    {
        properties.Items[SignedInAtItem] = now.ToString("o", CultureInfo.InvariantCulture);
        return properties;
    }

    /// <summary>False for a session older than the absolute lifetime, and for one without a sign-in time.</summary>
    public static bool IsWithinAbsoluteLifetime(AuthenticationProperties properties, TimeSpan absoluteLifetime, DateTimeOffset now) =>
        properties.Items.TryGetValue(SignedInAtItem, out var value)
        && DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var signedInAt)
        && now < signedInAt + absoluteLifetime;
}
