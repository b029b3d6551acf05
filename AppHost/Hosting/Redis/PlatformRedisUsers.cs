using Platform.Caching;

namespace Aspire.Hosting;

/// <summary>
/// Which Redis keys and commands each service needs, found by reading what it does with Redis. Each service has its
/// own user (<see cref="RedisHosting.AddServiceUser"/>), so a service that is compromised reads nothing of the others':
/// above all, the Worker (which runs native decoders on files users upload) can neither read the Api's Data Protection
/// key ring, which signs every bearer token, nor the Web's sessions, which hold users' tokens.
/// </summary>
public static class PlatformRedisUsers
{
    /// <summary>
    /// The Api: its media cache (<see cref="MediaCacheKeys"/>: owner stamps and rendered responses under
    /// <c>media:v{Version}:</c>), HybridCache's tag-invalidation entries (<c>__MSFT_HCT__</c>, read at start), and its Data
    /// Protection key ring (<c>platform:api:data-protection-keys</c>), and the record of each redeemed refresh token
    /// (<c>platform:api:refresh-token-used:</c>, written with <c>SET … NX PX</c>).
    /// </summary>
    public static readonly RedisAccess Api = new("api",
        [MediaCacheKeys.All, "__MSFT_HCT__*", "platform:api:*"],
        [.. RedisAccess.ConnectionCommands, .. RedisAccess.DistributedCacheCommands, .. RedisAccess.DataProtectionCommands, "set"]);

    /// <summary>
    /// The Worker writes one thing: a new owner stamp after it changed an item (ServiceDefaults' <c>OwnerStamps</c>,
    /// <see cref="MediaCacheKeys.Stamp"/>), which moves the Api's cached responses of that owner out of reach. It may
    /// not read or write the cached responses themselves, nor anything of the Web's.
    /// </summary>
    public static readonly RedisAccess Worker = new("worker",
        [MediaCacheKeys.StampPattern],
        [.. RedisAccess.ConnectionCommands, "hset", "hmset", "expire"]);

    /// <summary>
    /// Web: its sessions (<c>RedisTicketStore</c>, <c>platform:web:session:</c>) and its Data Protection key ring
    /// (<c>platform:web:data-protection-keys</c>).
    /// </summary>
    public static readonly RedisAccess Web = new("web",
        ["platform:web:*"],
        [.. RedisAccess.ConnectionCommands, .. RedisAccess.DistributedCacheCommands, .. RedisAccess.DataProtectionCommands]);
}
