using Platform.Caching;

namespace Platform.Integration.Tests;

/// <summary>
/// Reads are served from Redis, and a change made by another process (the Worker) reaches them: what makes "no stale
/// status" hold with any number of Api instances. Looked at in Redis itself, since a user can only see that the status
/// is never stale — which a cache that never caches would also show.
/// </summary>
public sealed class MediaCacheTests(PlatformAppFixture fixture)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Reads_are_cached_in_redis_and_the_workers_changes_move_the_owner_to_fresh_entries()
    {
        using var user = await MediaClient.SignUpAsync(fixture, Ct);
        await using var cache = await MediaCacheProbe.ConnectAsync(fixture, Ct);
        var db = cache.Database;

        // The Worker may finish before the test reads anything; then nothing shows that the Worker moved the stamp. A
        // 12-megapixel photo keeps it busy for a few hundred milliseconds, and a lost race tries again with a new file.
        var bytes = TestMedia.Jpeg(4000, 3000);
        for (var attempt = 1; attempt <= 5; attempt++)
        {
            var created = await user.CreateAsync($"cached-{attempt}.jpg", "image/jpeg", bytes.Length, Ct);
            var ownerId = Guid.Parse(new Uri(created.UploadUrl).AbsolutePath.Split('/')[3]); // /{bucket}/uploads/{owner}/{id}
            var stampKey = MediaCacheKeys.Stamp(ownerId);

            Assert.Equal(1, await cache.ReadUntilCachedAsync(user, created.Id, atLeast: 1, Ct));
            Assert.True(await db.KeyExistsAsync(stampKey), "the owner's stamp lives in Redis");

            await MediaClient.PutAsync(created, bytes, "image/jpeg", Ct);
            Assert.Equal(System.Net.HttpStatusCode.Accepted, (await user.CompleteAsync(created.Id, Ct)).StatusCode);

            // From here on the Api only reads. The stamp is read before the item: if the item is not ready yet, the
            // Worker's "ready" comes after this stamp, so a newer stamp can only be the Worker's.
            var stampBeforeWorker = await db.HashGetAsync(stampKey, "data"); // RedisCache keeps an entry as a hash
            Assert.True(stampBeforeWorker.HasValue);
            if ((await user.GetAsync(created.Id, Ct)).Status == "ready")
            {
                continue;
            }

            var item = await user.WaitUntilProcessedAsync(created.Id, Ct);

            Assert.Equal("ready", item.Status);
            Assert.NotEqual(stampBeforeWorker, await db.HashGetAsync(stampKey, "data"));
            Assert.True(await cache.ReadUntilCachedAsync(user, created.Id, atLeast: 2, Ct) >= 2, "each stamp has entries of its own");
            return;
        }

        Assert.Fail("The Worker finished every file before the test could read it; nothing showed whose change moved the stamp.");
    }
}
