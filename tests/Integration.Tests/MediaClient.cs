using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using Aspire.Hosting.Testing;
using Platform.Tests.Shared;

namespace Platform.Integration.Tests;

/// <summary>
/// A user of the media API: registers a fresh account, signs in and calls the Api with its bearer token, as a client app
/// would. Plain HttpClients (no retrying handler), so every status the Api answers is the one the test sees.
/// </summary>
public sealed class MediaClient : IDisposable
{
    public static readonly TimeSpan ProcessingTimeout = TimeSpan.FromSeconds(90);
    public const string Password = "Correct-Horse-9-Battery";

    private MediaClient(HttpClient api, string email)
    {
        Api = api;
        Email = email;
    }

    public HttpClient Api { get; }

    public string Email { get; }

    /// <summary>Talks to the bucket through presigned URLs, like a browser; it has no credentials of its own.</summary>
    public static HttpClient Storage { get; } = new() { Timeout = TimeSpan.FromSeconds(60) };

    /// <summary>
    /// A client without an account, at an address of its own (the Api trusts the loopback proxy that says so), as people
    /// are: the suite's many anonymous sign-ins and sign-ups are not one client that the per-address sign-in limit throttles.
    /// </summary>
    public static HttpClient Anonymous(PlatformAppFixture fixture) =>
        Security.SignInClients.FromNewAddress(fixture);

    public static async Task<MediaClient> SignUpAsync(PlatformAppFixture fixture, CancellationToken ct)
    {
        // Each user signs in from an address of its own (Anonymous).
        var api = Anonymous(fixture);
        var email = $"user-{Guid.NewGuid():N}@example.test";
        var registered = await api.PostAsJsonAsync("/api/auth/register", new { email, password = Password }, ct);
        Assert.Equal(HttpStatusCode.OK, registered.StatusCode);

        var login = await api.PostAsJsonAsync("/api/auth/login", new { email, password = Password }, ct);
        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
        var tokens = await login.Content.ReadFromJsonAsync<AccessTokenResponse>(ct);
        Assert.False(string.IsNullOrEmpty(tokens?.AccessToken));
        api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", tokens.AccessToken);
        return new MediaClient(api, email);
    }

    public async Task<CreatedMedia> CreateAsync(string fileName, string contentType, long size, CancellationToken ct)
    {
        var response = await Api.PostAsJsonAsync("/api/media", new { fileName, contentType, size }, ct);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var created = await response.Content.ReadFromJsonAsync<CreatedMedia>(ct);
        Assert.NotNull(created);
        Assert.Equal($"/api/media/{created.Id}", response.Headers.Location?.OriginalString);
        return created;
    }

    public static async Task PutAsync(CreatedMedia created, byte[] bytes, string contentType, CancellationToken ct)
    {
        using var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        var response = await Storage.PutAsync(created.UploadUrl, content, ct);
        Assert.True(response.IsSuccessStatusCode, $"PUT to the upload URL answered {(int)response.StatusCode}");
    }

    public Task<HttpResponseMessage> CompleteAsync(Guid id, CancellationToken ct) =>
        Api.PostAsync($"/api/media/{id}/complete", content: null, ct);

    /// <summary>Create for a file above the multipart threshold: the answer has part URLs instead of one upload URL.</summary>
    public async Task<CreatedMultipartMedia> CreateMultipartAsync(string fileName, string contentType, long size, CancellationToken ct)
    {
        var response = await Api.PostAsJsonAsync("/api/media", new { fileName, contentType, size }, ct);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var created = await response.Content.ReadFromJsonAsync<CreatedMultipartMedia>(ct);
        Assert.NotNull(created);
        Assert.NotNull(created.Parts);
        return created;
    }

    /// <summary>PUTs part <paramref name="partNumber"/>'s slice of <paramref name="bytes"/>, as a browser does (no Content-Type).</summary>
    public static async Task<HttpResponseMessage> PutPartAsync(CreatedMultipartMedia created, int partNumber, byte[] bytes, CancellationToken ct)
    {
        var start = (int)((partNumber - 1) * created.PartSize);
        var length = (int)Math.Min(created.PartSize, bytes.Length - start);
        using var content = new ByteArrayContent(bytes, start, length);
        return await Storage.PutAsync(created.Parts.Single(p => p.PartNumber == partNumber).Url, content, ct);
    }

    /// <summary>Every part, all at once (the order they finish in does not matter); returns each part's ETag.</summary>
    public static async Task<List<CompletedPart>> PutPartsAsync(CreatedMultipartMedia created, byte[] bytes, CancellationToken ct) =>
        [.. await Task.WhenAll(created.Parts.Select(async part =>
        {
            using var response = await PutPartAsync(created, part.PartNumber, bytes, ct);
            Assert.True(response.IsSuccessStatusCode, $"PUT of part {part.PartNumber} answered {(int)response.StatusCode}");
            var eTag = response.Headers.ETag?.Tag;
            Assert.False(string.IsNullOrEmpty(eTag), $"part {part.PartNumber} has no ETag");
            return new CompletedPart(part.PartNumber, eTag);
        }))];

    public Task<HttpResponseMessage> CompleteAsync(Guid id, IEnumerable<CompletedPart> parts, CancellationToken ct) =>
        Api.PostAsJsonAsync($"/api/media/{id}/complete", new { parts }, ct);

    /// <summary>Create, upload and complete: the whole upload flow of a client.</summary>
    public async Task<CreatedMedia> UploadAsync(string fileName, string contentType, byte[] bytes, CancellationToken ct)
    {
        var created = await CreateAsync(fileName, contentType, bytes.Length, ct);
        await PutAsync(created, bytes, contentType, ct);
        var completed = await CompleteAsync(created.Id, ct);
        Assert.Equal(HttpStatusCode.Accepted, completed.StatusCode);
        return created;
    }

    public async Task<MediaItem> GetAsync(Guid id, CancellationToken ct) =>
        await Api.GetFromJsonAsync<MediaItem>($"/api/media/{id}", ct) ?? throw new InvalidOperationException("No body.");

    /// <summary>Polls the item, as a client shows progress, until the Worker has finished it (ready or failed).</summary>
    public Task<MediaItem> WaitUntilProcessedAsync(Guid id, CancellationToken ct) =>
        Eventually.ReturnsAsync(token => GetAsync(id, token), item => item.Status is "ready" or "failed", ProcessingTimeout, ct);

    public void Dispose() => Api.Dispose();

    public static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private sealed record AccessTokenResponse(string TokenType, string AccessToken, long ExpiresIn, string RefreshToken);
}

public sealed record CreatedMedia(Guid Id, string UploadUrl, DateTimeOffset UploadExpiresAt);

public sealed record CreatedMultipartMedia(Guid Id, string? UploadUrl, DateTimeOffset UploadExpiresAt, long PartSize, List<UploadPartUrl> Parts);

public sealed record UploadPartUrl(int PartNumber, string Url);

public sealed record CompletedPart(int PartNumber, string ETag);

public sealed record MediaItem(
    Guid Id, string FileName, string ContentType, long Size, string Status, int? Width, int? Height, int? PageCount,
    string? FailureReason, DateTimeOffset CreatedAt, string? ThumbnailUrl, string? PreviewUrl, string? DownloadUrl);

/// <summary>What <c>complete</c> answers: the item and its status.</summary>
public sealed record CompletedMedia(Guid Id, string Status);

public sealed record MediaPage(List<MediaItem> Items, int Page, int PageSize, int TotalCount);

public sealed record Problem(int Status, string? Title, string? Detail, Dictionary<string, string[]>? Errors);
