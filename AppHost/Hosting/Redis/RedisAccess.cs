namespace Aspire.Hosting;

/// <summary>
/// What one Redis user may do: the key patterns it may touch and the commands it may send, in Redis ACL syntax. The same
/// rules become a line of the local servers' ACL file and the access string of an ElastiCache user, so a service has the
/// same rights on this machine as in AWS.
/// <para>
/// Every user starts from nothing (<c>-@all</c>, no keys, no channels) and is given commands by name, not categories:
/// <c>+@read</c> would include <c>SCAN</c> and <c>RANDOMKEY</c>, which list every key name (session ids among them)
/// whatever the key patterns say. No user gets <c>KEYS</c>, <c>INFO</c>, <c>CONFIG</c>, <c>MONITOR</c>, <c>DEBUG</c> or
/// any administrative command.
/// </para>
/// </summary>
/// <param name="UserName">The Redis user name, also what the service's connection string names.</param>
/// <param name="KeyPatterns">Glob patterns (<c>media:v1:*</c>) of the keys the user may read and write.</param>
/// <param name="Commands">Commands (or <c>command|subcommand</c>) the user may send.</param>
public sealed record RedisAccess(string UserName, IReadOnlyList<string> KeyPatterns, IReadOnlyList<string> Commands)
{
    /// <summary>
    /// What StackExchange.Redis (and Aspire's health check) send on every connection: the handshake, the keep-alive and
    /// the health probe. It also asks for INFO and CONFIG, subscribes to its configuration-change channel, reads its
    /// tie-breaker key and sends <c>CLIENT SETINFO</c> (which Redis 7.0 and ElastiCache 7.1 do not know, so it cannot
    /// be named here): refused, each is skipped, so none is granted (a user that could publish on that channel could make
    /// every other client reconnect).
    /// </summary>
    public static readonly IReadOnlyList<string> ConnectionCommands = ["auth", "hello", "client|setname", "ping", "echo"];

    /// <summary>
    /// <c>IDistributedCache</c> on Redis (Microsoft.Extensions.Caching.StackExchangeRedis), which HybridCache, the owner
    /// stamps and the Web's session store use: an entry is a hash with an expiry.
    /// </summary>
    public static readonly IReadOnlyList<string> DistributedCacheCommands = ["hget", "hmget", "hset", "hmset", "expire", "del", "multi", "exec"];

    /// <summary>The Data Protection key ring's repository (RedisXmlRepository): one list, read whole and appended to.</summary>
    public static readonly IReadOnlyList<string> DataProtectionCommands = ["lrange", "rpush"];

    /// <summary>
    /// The ACL rules, as an ElastiCache access string: <c>on ~a:* ~b:* -@all +cmd …</c>. A new user has no keys and no
    /// channels (Redis 7's <c>acl-pubsub-default resetchannels</c>), so none are named.
    /// </summary>
    public string AccessString =>
        string.Join(' ', new[] { "on" }
            .Concat(KeyPatterns.Select(p => "~" + p))
            .Append("-@all")
            .Concat(Commands.Distinct(StringComparer.Ordinal).Select(c => "+" + c)));

    /// <summary>
    /// The user's line in a Redis ACL file: <c>reset</c> first (no keys, channels, passwords or commands), then the
    /// SHA-256 of its password (the file never holds the password itself), then <see cref="AccessString"/>.
    /// </summary>
    public string AclFileLine(string password) => $"user {UserName} reset {PasswordHash(password)} {AccessString}";

    /// <summary>A password as a Redis ACL rule: <c>#</c> and its SHA-256 in hex.</summary>
    public static string PasswordHash(string password) =>
        "#" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(password)));
}
