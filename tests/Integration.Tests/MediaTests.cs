using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using NetVips;

namespace Platform.Integration.Tests;

/// <summary>The media library as its users meet it: upload through presigned URLs, processing by the Worker, privacy.</summary>
public sealed class MediaTests(PlatformAppFixture fixture)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("image/jpeg", "holiday.jpg")]
    [InlineData("image/png", "diagram.png")]
    public async Task An_uploaded_image_becomes_ready_with_a_webp_thumbnail_no_wider_than_320_px(string contentType, string fileName)
    {
        using var user = await MediaClient.SignUpAsync(fixture, Ct);
        var bytes = contentType == "image/jpeg" ? TestMedia.Jpeg(1600, 1200) : TestMedia.Png(1200, 1600);

        var created = await user.UploadAsync(fileName, contentType, bytes, Ct);
        var item = await user.WaitUntilProcessedAsync(created.Id, Ct);

        Assert.Equal("ready", item.Status);
        Assert.Equal((fileName, contentType, (long)bytes.Length), (item.FileName, item.ContentType, item.Size));
        Assert.Equal(contentType == "image/jpeg" ? (1600, 1200) : (1200, 1600), (item.Width, item.Height));
        Assert.NotNull(item.ThumbnailUrl);

        var thumbnail = await MediaClient.Storage.GetByteArrayAsync(item.ThumbnailUrl, Ct);
        using var image = Image.NewFromBuffer(thumbnail);
        Assert.StartsWith("webpload", (string)image.Get("vips-loader"));
        Assert.True(image.Width <= 320, $"the thumbnail is {image.Width} px wide");
        Assert.Equal(contentType == "image/jpeg" ? (320, 240) : (240, 320), (image.Width, image.Height));

        using var preview = Image.NewFromBuffer(await MediaClient.Storage.GetByteArrayAsync(item.PreviewUrl, Ct));
        Assert.Equal(1280, Math.Max(preview.Width, preview.Height));

        Assert.Equal(bytes, await MediaClient.Storage.GetByteArrayAsync(item.DownloadUrl, Ct));
    }

    [Fact]
    public async Task A_pdf_becomes_ready_with_its_page_count_and_no_thumbnail()
    {
        using var user = await MediaClient.SignUpAsync(fixture, Ct);

        var created = await user.UploadAsync("report.pdf", "application/pdf", TestMedia.Pdf(pages: 3), Ct);
        var item = await user.WaitUntilProcessedAsync(created.Id, Ct);

        Assert.Equal("ready", item.Status);
        Assert.Equal(3, item.PageCount);
        Assert.Null(item.ThumbnailUrl);
        Assert.NotNull(item.DownloadUrl);
    }

    [Fact]
    public async Task A_corrupt_image_becomes_failed_with_a_reason()
    {
        using var user = await MediaClient.SignUpAsync(fixture, Ct);
        var jpeg = TestMedia.Jpeg(800, 600);

        var created = await user.UploadAsync("broken.jpg", "image/jpeg", jpeg[..(jpeg.Length / 3)], Ct);
        var item = await user.WaitUntilProcessedAsync(created.Id, Ct);

        Assert.Equal("failed", item.Status);
        Assert.Equal("The image data is damaged or incomplete.", item.FailureReason);
        Assert.Null(item.ThumbnailUrl);
    }

    [Fact]
    public async Task A_file_that_is_not_what_it_claims_becomes_failed()
    {
        using var user = await MediaClient.SignUpAsync(fixture, Ct);

        var created = await user.UploadAsync("photo.png", "image/png", TestMedia.Jpeg(300, 200), Ct);
        var item = await user.WaitUntilProcessedAsync(created.Id, Ct);

        Assert.Equal("failed", item.Status);
        Assert.Equal("The file is not a PNG as declared.", item.FailureReason);
    }

    [Fact]
    public async Task Complete_answers_the_item_and_its_status_and_points_at_the_item()
    {
        using var user = await MediaClient.SignUpAsync(fixture, Ct);
        var bytes = TestMedia.Jpeg(64, 48);
        var created = await user.CreateAsync("small.jpg", "image/jpeg", bytes.Length, Ct);
        await MediaClient.PutAsync(created, bytes, "image/jpeg", Ct);

        using var completed = await user.CompleteAsync(created.Id, Ct);

        Assert.Equal(HttpStatusCode.Accepted, completed.StatusCode);
        Assert.Equal($"/api/media/{created.Id}", completed.Headers.Location?.OriginalString);
        var body = await completed.Content.ReadFromJsonAsync<Dictionary<string, System.Text.Json.JsonElement>>(Ct);
        // Only what a client acts on: the URLs of the item are read from its own address, signed when asked for.
        Assert.Equal(["id", "status"], body!.Keys.Order());
        Assert.Equal(created.Id, body["id"].GetGuid());
        Assert.Contains(body["status"].GetString(), new[] { "uploaded", "processing", "ready" });
    }

    [Fact]
    public async Task Another_user_gets_404_for_my_item_and_never_sees_it_listed()
    {
        using var alice = await MediaClient.SignUpAsync(fixture, Ct);
        using var bob = await MediaClient.SignUpAsync(fixture, Ct);
        var created = await alice.UploadAsync("private.jpg", "image/jpeg", TestMedia.Jpeg(200, 100), Ct);

        Assert.Equal(HttpStatusCode.NotFound, (await bob.Api.GetAsync($"/api/media/{created.Id}", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await bob.CompleteAsync(created.Id, Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await bob.Api.DeleteAsync($"/api/media/{created.Id}", Ct)).StatusCode);
        var bobs = await bob.Api.GetFromJsonAsync<MediaPage>("/api/media", Ct);
        Assert.Equal(0, bobs!.TotalCount);
        Assert.Empty(bobs.Items);

        // Bob's attempts changed nothing for Alice.
        Assert.Equal(created.Id, (await alice.GetAsync(created.Id, Ct)).Id);
        Assert.Equal(1, (await alice.Api.GetFromJsonAsync<MediaPage>("/api/media", Ct))!.TotalCount);
    }

    [Fact]
    public async Task Deleting_an_item_removes_its_row_and_every_object_from_the_bucket()
    {
        using var user = await MediaClient.SignUpAsync(fixture, Ct);
        var created = await user.UploadAsync("gone-soon.jpg", "image/jpeg", TestMedia.Jpeg(640, 480), Ct);
        var item = await user.WaitUntilProcessedAsync(created.Id, Ct);
        Assert.Equal("ready", item.Status);
        string[] urls = [item.DownloadUrl!, item.ThumbnailUrl!, item.PreviewUrl!];
        foreach (var url in urls)
        {
            Assert.Equal(HttpStatusCode.OK, (await MediaClient.Storage.GetAsync(url, Ct)).StatusCode);
        }

        var deleted = await user.Api.DeleteAsync($"/api/media/{created.Id}", Ct);

        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await user.Api.GetAsync($"/api/media/{created.Id}", Ct)).StatusCode);
        Assert.Equal(0, (await user.Api.GetFromJsonAsync<MediaPage>("/api/media", Ct))!.TotalCount);
        foreach (var url in urls)
        {
            // The emulator does not check URL expiry, so a 404 here means the object itself is gone.
            Assert.Equal(HttpStatusCode.NotFound, (await MediaClient.Storage.GetAsync(url, Ct)).StatusCode);
        }

        Assert.Equal(HttpStatusCode.NotFound, (await user.Api.DeleteAsync($"/api/media/{created.Id}", Ct)).StatusCode);
    }

    [Fact]
    public async Task The_list_is_newest_first_paged_and_counts_everything()
    {
        using var user = await MediaClient.SignUpAsync(fixture, Ct);
        var ids = new List<Guid>();
        for (var i = 0; i < 3; i++)
        {
            ids.Add((await user.CreateAsync($"file-{i}.pdf", "application/pdf", 1000 + i, Ct)).Id);
        }

        var first = await user.Api.GetFromJsonAsync<MediaPage>("/api/media?page=1&pageSize=2", Ct);
        var second = await user.Api.GetFromJsonAsync<MediaPage>("/api/media?page=2&pageSize=2", Ct);

        Assert.Equal(3, first!.TotalCount);
        Assert.Equal([ids[2], ids[1]], first.Items.Select(i => i.Id));
        Assert.Equal([ids[0]], second!.Items.Select(i => i.Id));
        Assert.All(first.Items, item => Assert.Equal("pending", item.Status));
        Assert.All(first.Items, item => Assert.Null(item.DownloadUrl));
    }

    [Fact]
    public async Task Completing_before_the_bytes_are_uploaded_is_a_conflict_and_completing_twice_is_harmless()
    {
        using var user = await MediaClient.SignUpAsync(fixture, Ct);
        var bytes = TestMedia.Jpeg(300, 300);
        var created = await user.CreateAsync("twice.jpg", "image/jpeg", bytes.Length, Ct);

        var early = await user.CompleteAsync(created.Id, Ct);
        Assert.Equal(HttpStatusCode.Conflict, early.StatusCode);
        var problem = await early.Content.ReadFromJsonAsync<Problem>(Ct);
        Assert.Equal("The file has not been uploaded.", problem!.Title);
        Assert.Equal("pending", (await user.GetAsync(created.Id, Ct)).Status);

        await MediaClient.PutAsync(created, bytes, "image/jpeg", Ct);
        Assert.Equal(HttpStatusCode.Accepted, (await user.CompleteAsync(created.Id, Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await user.CompleteAsync(created.Id, Ct)).StatusCode);

        var item = await user.WaitUntilProcessedAsync(created.Id, Ct);
        Assert.Equal("ready", item.Status);
        Assert.Equal(HttpStatusCode.Accepted, (await user.CompleteAsync(created.Id, Ct)).StatusCode);
        Assert.Equal("ready", (await user.GetAsync(created.Id, Ct)).Status);
        Assert.Equal(1, (await user.Api.GetFromJsonAsync<MediaPage>("/api/media", Ct))!.TotalCount);
    }

    [Fact]
    public async Task Uploading_other_bytes_than_declared_is_a_conflict()
    {
        using var user = await MediaClient.SignUpAsync(fixture, Ct);
        var created = await user.CreateAsync("short.pdf", "application/pdf", 5000, Ct);
        await MediaClient.PutAsync(created, TestMedia.Pdf(1), "application/pdf", Ct);

        var response = await user.CompleteAsync(created.Id, Ct);

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<Problem>(Ct);
        Assert.Contains("5000 were declared", problem!.Detail);
    }

    [Fact]
    public async Task Uploading_with_another_content_type_than_declared_is_a_conflict()
    {
        // Real S3 refuses such a PUT (the type is signed into the URL); the emulator does not, so the Api checks too.
        using var user = await MediaClient.SignUpAsync(fixture, Ct);
        var bytes = TestMedia.Pdf(1);
        var created = await user.CreateAsync("doc.pdf", "application/pdf", bytes.Length, Ct);
        await MediaClient.PutAsync(created, bytes, "text/html", Ct);

        var response = await user.CompleteAsync(created.Id, Ct);

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<Problem>(Ct);
        Assert.Equal("The file was uploaded as 'text/html', but 'application/pdf' was declared.", problem!.Detail);
        Assert.Equal("pending", (await user.GetAsync(created.Id, Ct)).Status);
    }

    [Fact]
    public async Task The_server_chooses_the_object_key_and_cleans_the_file_name()
    {
        using var user = await MediaClient.SignUpAsync(fixture, Ct);

        var created = await user.CreateAsync("../../etc/\"quoted\"\u202Egpj.exe", "image/jpeg", 100, Ct);

        Assert.DoesNotContain("etc", created.UploadUrl);
        Assert.DoesNotContain("quoted", created.UploadUrl);
        Assert.Contains(created.Id.ToString("N"), created.UploadUrl);
        Assert.Equal("\"quoted\"gpj.exe", (await user.GetAsync(created.Id, Ct)).FileName);
        Assert.True(created.UploadExpiresAt > DateTimeOffset.UtcNow.AddMinutes(1));
        Assert.True(created.UploadExpiresAt < DateTimeOffset.UtcNow.AddHours(1));
    }

    [Fact]
    public async Task The_worker_processes_an_item_in_the_trace_of_the_request_that_completed_it()
    {
        using var user = await MediaClient.SignUpAsync(fixture, Ct);
        var bytes = TestMedia.Jpeg(400, 300);
        var created = await user.CreateAsync("traced.jpg", "image/jpeg", bytes.Length, Ct);
        await MediaClient.PutAsync(created, bytes, "image/jpeg", Ct);

        // The client starts the trace: the Api continues it, sends it through SQS, the Worker continues it again.
        var traceId = ActivityTraceId.CreateRandom();
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/media/{created.Id}/complete");
        request.Headers.Add("traceparent", $"00-{traceId.ToHexString()}-{ActivitySpanId.CreateRandom().ToHexString()}-01");
        Assert.Equal(HttpStatusCode.Accepted, (await user.Api.SendAsync(request, Ct)).StatusCode);
        await user.WaitUntilProcessedAsync(created.Id, Ct);

        var trace = await user.Api.GetFromJsonAsync<MediaTrace>($"/api/diagnostics/media/{created.Id}", Ct);
        Assert.Equal(traceId.ToHexString(), trace!.CompleteTraceId);
        Assert.Equal(traceId.ToHexString(), trace.ProcessedTraceId);
    }

    private sealed record MediaTrace(Guid Id, string Status, string? CompleteTraceId, string? ProcessedTraceId);
}
