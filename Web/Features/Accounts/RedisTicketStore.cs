using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Caching.Distributed;
using Platform.ServiceDefaults.Resilience;

namespace Platform.Web.Features.Accounts;

/// <summary>
/// Keeps each signed-in user's session (their identity and their Api tokens) in Redis; the cookie carries only a random
/// key. Any Web instance can serve any request, a restart loses nobody's session, and the Api tokens never leave the
/// server. ASP.NET Core defines <see cref="ITicketStore"/> but ships no distributed implementation, hence this class.
/// <para>
/// Every call goes through Redis's <see cref="DependencyGuard"/>. Without Redis a session can be neither read nor
/// created: a read finds no session and marks the request, which <see cref="SessionStoreUnavailableMiddleware"/> answers
/// with a 503 page saying so; creating one throws <see cref="DependencyUnavailableException"/> (sign-in shows a message
/// on its form). Renewing or removing an entry is skipped: the cookie still works, and the entry expires on its own.
/// </para>
/// <para>
/// A ticket holds the person's Api access and refresh tokens, so it is encrypted and authenticated with Web's Data
/// Protection keys before it reaches Redis: whoever reads Redis (a snapshot, another service's credentials) sees no
/// token, and an entry written by anyone but Web is not accepted (it reads as no session).
/// </para>
/// </summary>
public sealed partial class RedisTicketStore(
    IDistributedCache cache,
    IDataProtectionProvider dataProtection,
    [FromKeyedServices(RedisTicketStore.GuardKey)] DependencyGuard guard,
    IHttpContextAccessor http,
    TimeProvider clock,
    ILogger<RedisTicketStore> logger) : ITicketStore
{
    public const string GuardKey = "redis-sessions";

    private const string KeyPrefix = "platform:web:session:";

    private readonly IDataProtector _protector = dataProtection.CreateProtector("Platform.Web.Sessions.v1");

    /// <summary>How long an idle session lives; each request that renews the cookie renews the entry too.</summary>
    public static readonly TimeSpan IdleTimeout = TimeSpan.FromDays(14);

    public async Task<string> StoreAsync(AuthenticationTicket ticket)
    {
        var key = Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)).ToLowerInvariant();
        await WriteAsync(key, ticket);
        return key;
    }

    public async Task RenewAsync(string key, AuthenticationTicket ticket)
    {
        try
        {
            await WriteAsync(key, ticket);
        }
        catch (DependencyUnavailableException)
        {
            LogNotRenewed(logger);
        }
    }

    public async Task<AuthenticationTicket?> RetrieveAsync(string key)
    {
        try
        {
            var bytes = await guard.RunAsync(ct => cache.GetAsync(KeyPrefix + key, ct), http.HttpContext?.RequestAborted ?? default);
            return bytes is null ? null : Unprotect(bytes);
        }
        catch (DependencyUnavailableException)
        {
            // Not "signed out": the session may well be there once Redis is back. The request is marked, answered with a
            // 503, and the cookie is left alone (authentication caches this answer for the rest of the request).
            if (http.HttpContext is { } context)
            {
                SessionStoreUnavailableMiddleware.MarkFailed(context);
            }

            return null;
        }
    }

    public async Task RemoveAsync(string key)
    {
        try
        {
            await guard.RunAsync(ct => cache.RemoveAsync(KeyPrefix + key, ct), CancellationToken.None);
        }
        catch (DependencyUnavailableException)
        {
            LogNotRemoved(logger);
        }
    }

    /// <summary>The ticket, or null when the entry was not written by Web (or by a key Web no longer has).</summary>
    private AuthenticationTicket? Unprotect(byte[] bytes)
    {
        try
        {
            return TicketSerializer.Default.Deserialize(_protector.Unprotect(bytes));
        }
        catch (System.Security.Cryptography.CryptographicException)
        {
            LogUnreadable(logger);
            return null;
        }
    }

    private Task WriteAsync(string key, AuthenticationTicket ticket) =>
        guard.RunAsync(ct => cache.SetAsync(KeyPrefix + key, _protector.Protect(TicketSerializer.Default.Serialize(ticket)), new DistributedCacheEntryOptions
        {
            AbsoluteExpiration = ticket.Properties.ExpiresUtc ?? clock.GetUtcNow().Add(IdleTimeout),
        }, ct), CancellationToken.None);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A session was not renewed: Redis is unavailable (the cookie keeps working)")]
    private static partial void LogNotRenewed(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A session entry could not be decrypted with Web's keys: treated as no session")]
    private static partial void LogUnreadable(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A signed-out session was not removed: Redis is unavailable (the entry expires by itself)")]
    private static partial void LogNotRemoved(ILogger logger);
}

/// <summary>Hands the DI-built ticket store to the cookie handler (its options are built before DI resolves services).</summary>
internal sealed class UseTicketStore(RedisTicketStore store) : Microsoft.Extensions.Options.IPostConfigureOptions<CookieAuthenticationOptions>
{
    public void PostConfigure(string? name, CookieAuthenticationOptions options) => options.SessionStore = store;
}
