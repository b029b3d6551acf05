using System.Text;
using Aspire.Hosting.Testing;
using Platform.Caching;
using StackExchange.Redis;

namespace Platform.Integration.Tests.Security;

/// <summary>
/// Redis as an attacker who has taken over the Worker (it runs native decoders on files users upload) meets it: with the
/// Worker's own Redis credentials, the secrets of the Api and of Web are out of reach; and what those services keep in
/// Redis is encrypted, so even a full copy of Redis (a snapshot, the administrator's password) yields no key ring and
/// no user's token.
/// </summary>
public sealed class RedisIdentityTests(PlatformAppFixture fixture)
{
    private const string ApiKeyRing = "platform:api:data-protection-keys";
    private const string WebKeyRing = "platform:web:data-protection-keys";
    private const string SessionPattern = "platform:web:session:*";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task With_the_workers_credentials_the_key_rings_sessions_and_cached_reads_are_refused()
    {
        var secrets = await ArrangeSecretsAsync();
        await using var worker = await ConnectAsync("worker");
        var db = worker.GetDatabase();

        // The Worker's own work still goes through: it may replace an owner's stamp (and nothing else of the cache).
        Assert.True(await db.HashSetAsync(MediaCacheKeys.Stamp(Guid.NewGuid()), "data", "x"));

        await AssertRefusedAsync(() => db.ListRangeAsync(ApiKeyRing), "the Api's Data Protection key ring");
        await AssertRefusedAsync(() => db.ListRangeAsync(WebKeyRing), "Web's Data Protection key ring");
        await AssertRefusedAsync(() => db.ListRightPushAsync(ApiKeyRing, "<key/>"), "adding a key to the Api's key ring");
        await AssertRefusedAsync(() => db.HashGetAllAsync(secrets.SessionKey), "a signed-in user's session");
        await AssertRefusedAsync(() => db.HashGetAsync(secrets.SessionKey, "data"), "a signed-in user's session");
        await AssertRefusedAsync(() => db.HashGetAsync(secrets.CachedItemKey, "data"), "the Api's cached media response");
        await AssertRefusedAsync(() => db.KeyDeleteAsync(secrets.CachedItemKey), "deleting the Api's cached media response");
        // Nor can it list key names (session ids among them), or read the server's configuration.
        await AssertRefusedAsync(() => db.ExecuteAsync("SCAN", "0", "MATCH", SessionPattern), "listing key names");
        await AssertRefusedAsync(() => db.ExecuteAsync("KEYS", "*"), "listing key names");
        await AssertRefusedAsync(() => db.ExecuteAsync("CONFIG", "GET", "*"), "reading the server's configuration");
        await AssertRefusedAsync(() => db.ExecuteAsync("ACL", "LIST"), "reading the users");
    }

    [Theory]
    [InlineData("api", WebKeyRing)]
    [InlineData("web", ApiKeyRing)]
    public async Task Neither_site_service_can_read_the_others_key_ring(string service, string otherKeyRing)
    {
        await ArrangeSecretsAsync();
        await using var connection = await ConnectAsync(service);

        await AssertRefusedAsync(() => connection.GetDatabase().ListRangeAsync(otherKeyRing), $"{service} reading the other service's key ring");
    }

    [Fact]
    public async Task The_key_rings_in_redis_hold_only_encrypted_keys()
    {
        await ArrangeSecretsAsync();
        await using var administrator = await ConnectAsync(null);
        var db = administrator.GetDatabase();

        foreach (var ring in new[] { ApiKeyRing, WebKeyRing })
        {
            var keys = (await db.ListRangeAsync(ring)).Select(k => k.ToString()).ToList();

            Assert.NotEmpty(keys);
            Assert.All(keys, key =>
            {
                Assert.Contains("<encryptedSecret", key, StringComparison.Ordinal);
                Assert.DoesNotContain("<masterKey", key, StringComparison.Ordinal);
                Assert.DoesNotContain("<value>", key, StringComparison.Ordinal);
            });
        }
    }

    [Fact]
    public async Task A_session_in_redis_does_not_show_the_users_tokens_or_identity()
    {
        var email = $"user-{Guid.NewGuid():N}@example.test";
        using var web = await WebFormSession.SignUpAsync(fixture, email, Ct);
        // The session works: the signed-in page is served from it.
        Assert.Equal(System.Net.HttpStatusCode.OK, (await web.Http.GetAsync("/gallery", Ct)).StatusCode);
        await using var administrator = await ConnectAsync(null);

        var sessions = SessionKeys(administrator);
        Assert.NotEmpty(sessions);
        foreach (var session in sessions)
        {
            var value = (byte[]?)await administrator.GetDatabase().HashGetAsync(session, "data");
            Assert.NotNull(value);
            var text = Encoding.UTF8.GetString(value);
            var latin1 = Encoding.Latin1.GetString(value);

            // The Api's access and refresh tokens are Data Protection payloads, which all begin "CfDJ8".
            Assert.DoesNotContain("CfDJ8", latin1, StringComparison.Ordinal);
            Assert.DoesNotContain(".Token.", latin1, StringComparison.Ordinal);
            Assert.DoesNotContain("@example.test", text, StringComparison.Ordinal);
            Assert.DoesNotContain(email, latin1, StringComparison.Ordinal);
        }
    }

    /// <summary>A signed-in Web user (a session), an Api user with a cached read, and so both key rings.</summary>
    private async Task<(RedisKey SessionKey, RedisKey CachedItemKey)> ArrangeSecretsAsync()
    {
        using var web = await WebFormSession.SignUpAsync(fixture, $"user-{Guid.NewGuid():N}@example.test", Ct);
        using var user = await MediaClient.SignUpAsync(fixture, Ct);
        var created = await user.CreateAsync("a.png", "image/png", 10, Ct);
        await using var probe = await MediaCacheProbe.ConnectAsync(fixture, Ct);
        await probe.ReadUntilCachedAsync(user, created.Id, atLeast: 1, Ct);

        await using var administrator = await ConnectAsync(null);
        var server = administrator.GetServers().Single();
        var cachedItem = server.Keys(pattern: MediaCacheKeys.ItemResponsePattern(created.Id)).First();
        var session = SessionKeys(administrator).First();
        return (session, cachedItem);
    }

    private static List<RedisKey> SessionKeys(ConnectionMultiplexer administrator) =>
        administrator.GetServers().Single().Keys(pattern: SessionPattern).ToList();

    /// <summary>Connects as the service's Redis user (its own connection string), or as the administrator.</summary>
    private async Task<ConnectionMultiplexer> ConnectAsync(string? service)
    {
        var resource = service is null ? "redis" : $"redis-{service}";
        var connectionString = await fixture.App.GetConnectionStringAsync(resource, Ct);
        Assert.False(string.IsNullOrEmpty(connectionString), $"'{resource}' has no connection string");
        return await ConnectionMultiplexer.ConnectAsync(connectionString);
    }

    private static async Task AssertRefusedAsync(Func<Task> call, string what)
    {
        var error = await Assert.ThrowsAsync<RedisServerException>(call);
        Assert.True(error.Message.StartsWith("NOPERM", StringComparison.Ordinal), $"{what}: expected NOPERM, got '{error.Message}'");
    }
}
