using System.Net;
using System.Net.Http.Json;

namespace Platform.Integration.Tests;

/// <summary>
/// Large files go up in parts (S3 multipart upload through presigned part URLs): every allowed size uploads, including
/// sizes the local S3 emulator refuses in one PUT (about 11 MiB), and the part list a client reports is checked.
/// </summary>
public sealed class MultipartUploadTests(PlatformAppFixture fixture)
{
    /// <summary>fauxqs's body limit: one PUT larger than this is refused, so a file this large can only go in parts.</summary>
    private const int EmulatorPutLimit = 11 * 1024 * 1024;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_file_too_large_for_one_put_uploads_in_parts_and_becomes_ready()
    {
        using var user = await MediaClient.SignUpAsync(fixture, Ct);
        var bytes = TestMedia.UncompressedPng(2600, 2600);
        Assert.True(bytes.Length > EmulatorPutLimit, $"the test file has only {bytes.Length} bytes");

        var created = await user.CreateMultipartAsync("panorama.png", "image/png", bytes.Length, Ct);

        Assert.Null(created.UploadUrl);
        Assert.InRange(created.PartSize, 5 * 1024 * 1024, EmulatorPutLimit);
        Assert.Equal(Enumerable.Range(1, (int)((bytes.Length + created.PartSize - 1) / created.PartSize)), created.Parts.Select(p => p.PartNumber));
        Assert.All(created.Parts, part => Assert.Contains($"partNumber={part.PartNumber}", part.Url));

        // Reported in another order than the parts' numbers, as a client that lists them as they finish would.
        var parts = await MediaClient.PutPartsAsync(created, bytes, Ct);
        parts.Reverse();
        var completed = await user.CompleteAsync(created.Id, parts, Ct);
        Assert.Equal(HttpStatusCode.Accepted, completed.StatusCode);
        // Verified and queued; the Worker may already have picked it up by the time the answer is read.
        var answer = await completed.Content.ReadFromJsonAsync<CompletedMedia>(Ct);
        Assert.Equal(created.Id, answer!.Id);
        Assert.Contains(answer.Status, new[] { "uploaded", "processing", "ready" });

        // Repeating complete, with or without the list, changes nothing.
        Assert.Equal(HttpStatusCode.Accepted, (await user.CompleteAsync(created.Id, parts, Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await user.CompleteAsync(created.Id, Ct)).StatusCode);

        var item = await user.WaitUntilProcessedAsync(created.Id, Ct);
        Assert.Equal("ready", item.Status);
        Assert.Equal((2600, 2600, (long)bytes.Length), (item.Width, item.Height, item.Size));
        Assert.NotNull(item.ThumbnailUrl);
        Assert.Equal(bytes, await MediaClient.Storage.GetByteArrayAsync(item.DownloadUrl, Ct));
    }

    [Fact]
    public async Task A_missing_or_wrong_part_list_is_refused_and_the_upload_stays_open_for_the_right_one()
    {
        using var user = await MediaClient.SignUpAsync(fixture, Ct);
        var bytes = TestMedia.UncompressedPng(1800, 1800);
        var created = await user.CreateMultipartAsync("two-parts.png", "image/png", bytes.Length, Ct);
        Assert.Equal(2, created.Parts.Count);
        var parts = await MediaClient.PutPartsAsync(created, bytes, Ct);
        var (first, second) = (parts.Single(p => p.PartNumber == 1), parts.Single(p => p.PartNumber == 2));

        await AssertRefusedAsync(await user.CompleteAsync(created.Id, Ct), HttpStatusCode.BadRequest, "send the list");
        await AssertRefusedAsync(await user.CompleteAsync(created.Id, [], Ct), HttpStatusCode.BadRequest, "send the list");
        await AssertRefusedAsync(await user.CompleteAsync(created.Id, [first], Ct), HttpStatusCode.BadRequest, "missing: 2");
        await AssertRefusedAsync(await user.CompleteAsync(created.Id, [first, first with { ETag = second.ETag }], Ct), HttpStatusCode.BadRequest, "more than once");
        await AssertRefusedAsync(await user.CompleteAsync(created.Id, [first, second, second with { PartNumber = 3 }], Ct), HttpStatusCode.BadRequest, "from 1 to 2");
        await AssertRefusedAsync(await user.CompleteAsync(created.Id, [first, second with { ETag = " " }], Ct), HttpStatusCode.BadRequest, "ETag is required");
        await AssertRefusedAsync(
            await user.Api.PostAsync($"/api/media/{created.Id}/complete", MediaClient.Json("""{ "parts": [ { "partNumber": "one" } ] }"""), Ct),
            HttpStatusCode.BadRequest, "JSON");

        // Well formed, but not what storage holds: the ETags of parts 1 and 2 swapped.
        var conflict = await user.CompleteAsync(created.Id, [first with { ETag = second.ETag }, second with { ETag = first.ETag }], Ct);
        var problem = await AssertRefusedAsync(conflict, HttpStatusCode.Conflict, "ETag");
        Assert.Equal("The uploaded parts do not match.", problem.Title);
        Assert.Equal("pending", (await user.GetAsync(created.Id, Ct)).Status);

        Assert.Equal(HttpStatusCode.Accepted, (await user.CompleteAsync(created.Id, parts, Ct)).StatusCode);
        Assert.Equal("ready", (await user.WaitUntilProcessedAsync(created.Id, Ct)).Status);
    }

    [Fact]
    public async Task A_part_list_for_a_file_sent_in_one_put_is_refused()
    {
        using var user = await MediaClient.SignUpAsync(fixture, Ct);
        var bytes = TestMedia.Pdf(1);
        var created = await user.CreateAsync("small.pdf", "application/pdf", bytes.Length, Ct);
        await MediaClient.PutAsync(created, bytes, "application/pdf", Ct);

        await AssertRefusedAsync(await user.CompleteAsync(created.Id, [new CompletedPart(1, "\"abc\"")], Ct), HttpStatusCode.BadRequest, "one PUT");
        Assert.Equal(HttpStatusCode.Accepted, (await user.CompleteAsync(created.Id, Ct)).StatusCode);
    }

    [Fact]
    public async Task Deleting_a_pending_multipart_upload_aborts_it_so_storage_takes_no_more_parts()
    {
        using var user = await MediaClient.SignUpAsync(fixture, Ct);
        var bytes = new byte[9 * 1024 * 1024];
        var created = await user.CreateMultipartAsync("abandoned.pdf", "application/pdf", bytes.Length, Ct);
        using (var first = await MediaClient.PutPartAsync(created, 1, bytes, Ct))
        {
            Assert.True(first.IsSuccessStatusCode, $"PUT of part 1 answered {(int)first.StatusCode}");
        }

        Assert.Equal(HttpStatusCode.NoContent, (await user.Api.DeleteAsync($"/api/media/{created.Id}", Ct)).StatusCode);

        // The emulator checks no signatures or expiry, so this refusal comes from the upload being gone.
        using var late = await MediaClient.PutPartAsync(created, 2, bytes, Ct);
        Assert.Equal(HttpStatusCode.NotFound, late.StatusCode);
        Assert.Contains("NoSuchUpload", await late.Content.ReadAsStringAsync(Ct));
    }

    private static async Task<Problem> AssertRefusedAsync(HttpResponseMessage response, HttpStatusCode expected, string named)
    {
        var body = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(expected == response.StatusCode, $"expected {(int)expected}, got {(int)response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains(named, body);
        return System.Text.Json.JsonSerializer.Deserialize<Problem>(body, System.Text.Json.JsonSerializerOptions.Web)!;
    }
}
