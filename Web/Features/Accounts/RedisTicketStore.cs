using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.Extensions.Caching.Distributed;

namespace Platform.Web.Features.Accounts;

/// <summary>
/// Keeps each signed-in user's session (their identity and their Api tokens) in Redis; the cookie carries only a random
/// key. Any Web instance can serve any request, a restart loses nobody's session, and the Api tokens never leave the
/// server. ASP.NET Core defines <see cref="ITicketStore"/> but ships no distributed implementation, hence this class.
/// </summary>
public sealed class RedisTicketStore(IDistributedCache cache, TimeProvider clock) : ITicketStore
{
    private const string KeyPrefix = "platform:web:session:";

    /// <summary>How long an idle session lives; each request that renews the cookie renews the entry too.</summary>
    public static readonly TimeSpan IdleTimeout = TimeSpan.FromDays(14);

    public async Task<string> StoreAsync(AuthenticationTicket ticket)
    {
        var key = Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)).ToLowerInvariant();
        await RenewAsync(key, ticket);
        return key;
    }

    public Task RenewAsync(string key, AuthenticationTicket ticket) =>
        cache.SetAsync(KeyPrefix + key, TicketSerializer.Default.Serialize(ticket), new DistributedCacheEntryOptions
        {
            AbsoluteExpiration = ticket.Properties.ExpiresUtc ?? clock.GetUtcNow().Add(IdleTimeout),
        });

    public async Task<AuthenticationTicket?> RetrieveAsync(string key) =>
        await cache.GetAsync(KeyPrefix + key) is { } bytes ? TicketSerializer.Default.Deserialize(bytes) : null;

    public Task RemoveAsync(string key) => cache.RemoveAsync(KeyPrefix + key);
}

/// <summary>Hands the DI-built ticket store to the cookie handler (its options are built before DI resolves services).</summary>
internal sealed class UseTicketStore(RedisTicketStore store) : Microsoft.Extensions.Options.IPostConfigureOptions<CookieAuthenticationOptions>
{
    public void PostConfigure(string? name, CookieAuthenticationOptions options) => options.SessionStore = store;
}
