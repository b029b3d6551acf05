using System.Net;
using System.Net.Http.Json;
using Platform.Tests.Shared;

namespace Platform.Integration.Tests.Reliability;

/// <summary>
/// The S3/SQS emulator killed: what needs S3 answers 503 with Retry-After at once, the health report names storage and
/// the queue, and once the emulator is back (its bucket and queues created again by the AppHost) the same upload
/// completes and is processed. The emulator keeps nothing through a crash (fauxqs has no persistence; S3 would keep the
/// bytes), so the client uploads them again first.
/// </summary>
[Collection(nameof(Outages))]
public sealed class StorageOutageTests(PlatformAppFixture fixture, ITestOutputHelper output) : OutageTest
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task When_s3_and_sqs_are_down_complete_answers_503_at_once_and_the_upload_completes_once_they_are_back()
    {
        using var user = await MediaClient.SignUpAsync(fixture, Ct);
        using var anonymous = MediaClient.Anonymous(fixture);
        var bytes = TestMedia.Jpeg(320, 240);
        var created = await user.CreateAsync("before-the-crash.jpg", "image/jpeg", bytes.Length, Ct);
        await MediaClient.PutAsync(created, bytes, "image/jpeg", Ct);

        await Outages.KillAsync(fixture.App, "aws-emulator", Ct);
        try
        {
            var complete = await Outages.TimeAsync(t => user.CompleteAsync(created.Id, t), Ct);
            var create = await Outages.TimeAsync(t => user.Api.PostAsJsonAsync("/api/media", new { fileName = "during.jpg", contentType = "image/jpeg", size = 1000 }, t), Ct);
            var health = await Outages.TimeAsync(t => anonymous.GetAsync("/health", t), Ct);
            output.WriteLine($"S3/SQS down: complete {complete}, create {create} (signing needs no S3), /health {health}");

            Assert.Equal(HttpStatusCode.ServiceUnavailable, complete.Status);
            Assert.True(complete.Elapsed < Outages.NoHang, $"complete took {complete}");
            Assert.NotNull(complete.RetryAfter);
            Assert.Contains("storage", Outages.Problem(complete).Detail);
            Assert.Equal(HttpStatusCode.Created, create.Status);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, health.Status);
            var report = Outages.Health(health);
            Assert.Equal("Unhealthy", report.Entries["storage"].Status);
            Assert.Equal("Unhealthy", report.Entries["messaging"].Status);
            Assert.Equal("Healthy", report.Entries["PlatformDbContext"].Status);
        }
        finally
        {
            await ResourceControl.StartAsync(fixture.App, "aws-emulator", Ct);
        }

        // The bucket is back (empty): the client's upload of the same bytes succeeds, and then the same upload completes.
        var put = await Eventually.ReturnsAsync(async t =>
        {
            using var content = new ByteArrayContent(bytes);
            content.Headers.ContentType = new("image/jpeg");
            using var response = await MediaClient.Storage.PutAsync(created.UploadUrl, content, t);
            return response.StatusCode;
        }, status => status == HttpStatusCode.OK, Outages.Recovery, Ct);
        Assert.Equal(HttpStatusCode.OK, put);
        var again = await Eventually.ReturnsAsync(t => user.CompleteAsync(created.Id, t), r => r.StatusCode != HttpStatusCode.ServiceUnavailable, Outages.Recovery, Ct);
        Assert.Equal(HttpStatusCode.Accepted, again.StatusCode);
        Assert.Equal("ready", (await user.WaitUntilProcessedAsync(created.Id, Ct)).Status);
    }
}
