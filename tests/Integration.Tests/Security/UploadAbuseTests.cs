using System.Net;
using System.Net.Http.Json;
using System.Web;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using Aspire.Hosting.Testing;
using Platform.Tests.Shared;

namespace Platform.Integration.Tests.Security;

/// <summary>
/// An attacker with an account and the documented endpoints only, trying to store more than they declared, to replace
/// an original after it was checked, to leave bytes behind, to exceed their quota and to read someone else's ping.
/// The local S3 emulator (fauxqs) checks no signatures: what S3 enforces from the signature (the signed content-length)
/// is asserted on the URL itself, and what the Api enforces (complete's size check, the staging key, the sweep, the
/// quota) through the running system. The AppHost fixture gives uploads a short life (<c>Media__UploadUrlLifetime</c>,
/// no grace) and a 1 GiB quota per user (<c>Media__QuotaBytes</c>), so these finish in bounded time.
/// </summary>
public sealed class UploadAbuseTests(PlatformAppFixture fixture)
{
    private static readonly TimeSpan ExpiryTimeout = TimeSpan.FromMinutes(4);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task An_upload_url_is_signed_for_the_declared_length_and_an_oversize_upload_is_removed_at_complete()
    {
        using var attacker = await MediaClient.SignUpAsync(fixture, Ct);
        var created = await attacker.CreateAsync("small.jpg", "image/jpeg", 1000, Ct);

        // In AWS, S3 refuses a body whose length differs from the signed one (403 SignatureDoesNotMatch).
        Assert.Contains("content-length", SignedHeaders(created.UploadUrl));

        // The emulator does not check the signature, so the 3 MiB body is stored here; complete must not keep it.
        var oversize = new byte[3 * 1024 * 1024];
        await MediaClient.PutAsync(created, oversize, "image/jpeg", Ct);
        using var complete = await attacker.CompleteAsync(created.Id, Ct);

        Assert.Equal(HttpStatusCode.Conflict, complete.StatusCode);
        Assert.Equal("application/problem+json", complete.Content.Headers.ContentType?.MediaType);
        using var s3 = Storage();
        Assert.Null(await HeadAsync(s3, KeyOf(created.UploadUrl)));
        Assert.Equal("pending", (await attacker.GetAsync(created.Id, Ct)).Status);
    }

    [Fact]
    public async Task Every_part_url_of_a_multipart_upload_is_signed_for_the_length_of_its_part()
    {
        using var attacker = await MediaClient.SignUpAsync(fixture, Ct);
        var size = (20L * 1024 * 1024) + 123;
        var created = await attacker.CreateMultipartAsync("large.pdf", "application/pdf", size, Ct);

        Assert.All(created.Parts, part => Assert.Contains("content-length", SignedHeaders(part.Url)));
        Assert.All(created.Parts, part => Assert.StartsWith("uploads/", KeyOf(part.Url)));
    }

    [Fact]
    public async Task A_second_put_to_the_upload_url_after_complete_does_not_change_the_original()
    {
        using var attacker = await MediaClient.SignUpAsync(fixture, Ct);
        var original = TestMedia.Jpeg(320, 240);
        var created = await attacker.UploadAsync("holiday.jpg", "image/jpeg", original, Ct);
        var ready = await attacker.WaitUntilProcessedAsync(created.Id, Ct);
        Assert.Equal("ready", ready.Status);

        // Same length and type, so the URL's signature would accept it in AWS too (it is still valid).
        var replacement = original.ToArray();
        Array.Fill(replacement, (byte)0x41, 100, replacement.Length - 200);
        await MediaClient.PutAsync(created, replacement, "image/jpeg", Ct);

        var item = await attacker.GetAsync(created.Id, Ct);
        var downloaded = await MediaClient.Storage.GetByteArrayAsync(item.DownloadUrl, Ct);
        Assert.Equal(original, downloaded);
    }

    [Fact]
    public async Task A_never_completed_upload_and_its_bytes_are_removed_once_it_expires()
    {
        using var attacker = await MediaClient.SignUpAsync(fixture, Ct);
        var bytes = TestMedia.Jpeg(64, 64);
        var created = await attacker.CreateAsync("abandoned.jpg", "image/jpeg", bytes.Length, Ct);
        await MediaClient.PutAsync(created, bytes, "image/jpeg", Ct);
        using var s3 = Storage();
        var key = KeyOf(created.UploadUrl);
        Assert.NotNull(await HeadAsync(s3, key));

        // Waits for the condition (the fixture's uploads expire 90 s after they were handed out, with no grace).
        var gone = await Eventually.ReturnsAsync(
            async t => (await attacker.Api.GetAsync($"/api/media/{created.Id}", t)).StatusCode,
            status => status == HttpStatusCode.NotFound, ExpiryTimeout, Ct);
        Assert.Equal(HttpStatusCode.NotFound, gone);
        await Eventually.ReturnsAsync(t => HeadAsync(s3, key), stored => stored is null, TimeSpan.FromSeconds(30), Ct);
        using var complete = await attacker.CompleteAsync(created.Id, Ct);
        Assert.Equal(HttpStatusCode.NotFound, complete.StatusCode);
    }

    [Fact]
    public async Task Bytes_put_to_an_upload_url_after_the_item_was_deleted_are_removed_once_the_url_has_expired()
    {
        using var attacker = await MediaClient.SignUpAsync(fixture, Ct);
        var bytes = TestMedia.Jpeg(64, 64);
        var created = await attacker.UploadAsync("gone.jpg", "image/jpeg", bytes, Ct);
        using var deleted = await attacker.Api.DeleteAsync($"/api/media/{created.Id}", Ct);
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        // The deletion removes the stored original after the answer (the Worker, on the deletion's message): waited for,
        // so the bytes put below are the ones nothing knows of, not ones that removal would take with it.
        using var s3 = Storage();
        var key = KeyOf(created.UploadUrl);
        await Eventually.ReturnsAsync(t => HeadAsync(s3, key), size => size is null, TimeSpan.FromSeconds(30), Ct);

        // The URL is still valid (and in AWS would accept the declared length): the bytes land under the upload prefix,
        // outside any quota, since the item is gone.
        await MediaClient.PutAsync(created, bytes, "image/jpeg", Ct);
        Assert.NotNull(await HeadAsync(s3, key));

        // Once no URL can write there any more (the fixture's 90 s plus the sweep's one-minute margin for S3's clock),
        // the sweep removes them.
        var stored = await Eventually.ReturnsAsync(t => HeadAsync(s3, key), size => size is null, ExpiryTimeout, Ct);
        Assert.Null(stored);
    }

    [Fact]
    public async Task Creating_beyond_the_byte_quota_is_refused_with_a_problem_naming_the_quota_and_pending_uploads_count()
    {
        using var attacker = await MediaClient.SignUpAsync(fixture, Ct);
        const long size = 100L * 1024 * 1024;
        var accepted = new List<Guid>();
        HttpResponseMessage? refused = null;
        // Never completed: pending uploads take their declared size from the quota while they may still arrive.
        for (var i = 0; i < 20 && refused is null; i++)
        {
            var response = await attacker.Api.PostAsJsonAsync("/api/media", new { fileName = $"big-{i}.pdf", contentType = "application/pdf", size }, Ct);
            if (response.StatusCode == HttpStatusCode.Created)
            {
                accepted.Add((await response.Content.ReadFromJsonAsync<CreatedMultipartMedia>(Ct))!.Id);
            }
            else
            {
                refused = response;
            }
        }

        Assert.NotNull(refused);
        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        var problem = await refused.Content.ReadFromJsonAsync<Problem>(Ct);
        Assert.Contains("Media:QuotaBytes", problem!.Detail);
        Assert.Equal(10, accepted.Count); // 1 GiB holds ten files of 100 MiB

        // Making room makes the same request acceptable again.
        using var deleted = await attacker.Api.DeleteAsync($"/api/media/{accepted[0]}", Ct);
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        using var again = await attacker.Api.PostAsJsonAsync("/api/media", new { fileName = "big-again.pdf", contentType = "application/pdf", size }, Ct);
        Assert.Equal(HttpStatusCode.Created, again.StatusCode);
    }

    [Fact]
    public async Task Another_users_ping_is_not_found()
    {
        using var owner = await MediaClient.SignUpAsync(fixture, Ct);
        using var other = await MediaClient.SignUpAsync(fixture, Ct);
        using var sent = await owner.Api.PostAsync("/api/diagnostics/pings", content: null, Ct);
        Assert.Equal(HttpStatusCode.Accepted, sent.StatusCode);
        var location = sent.Headers.Location!.OriginalString;

        using var theirs = await other.Api.GetAsync(location, Ct);
        using var mine = await owner.Api.GetAsync(location, Ct);

        Assert.Equal(HttpStatusCode.NotFound, theirs.StatusCode);
        Assert.Equal(HttpStatusCode.OK, mine.StatusCode);
    }

    private static string[] SignedHeaders(string url) =>
        (HttpUtility.ParseQueryString(new Uri(url).Query)["X-Amz-SignedHeaders"] ?? "").Split(';');

    /// <summary>The object key a path-style URL addresses: the path after the bucket's name.</summary>
    private static string KeyOf(string url)
    {
        var path = Uri.UnescapeDataString(new Uri(url).AbsolutePath).TrimStart('/');
        return path[(path.IndexOf('/') + 1)..];
    }

    /// <summary>An S3 client for the local emulator (it checks no credentials), to see what the bucket holds.</summary>
    private AmazonS3Client Storage() => new(new BasicAWSCredentials("test", "test"), new AmazonS3Config
    {
        ServiceURL = fixture.App.GetEndpoint("aws-emulator", "http").ToString(),
        AuthenticationRegion = "us-east-1",
        ForcePathStyle = true,
    });

    private static async Task<long?> HeadAsync(AmazonS3Client s3, string key)
    {
        try
        {
            return (await s3.GetObjectMetadataAsync(new GetObjectMetadataRequest { BucketName = "media", Key = key })).ContentLength;
        }
        catch (AmazonS3Exception ex) when (ex.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }
}
