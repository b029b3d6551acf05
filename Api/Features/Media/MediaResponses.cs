using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using Platform.Api.Features.Media.Delivery;

namespace Platform.Api.Features.Media;

/// <summary>
/// Turns cached snapshots into what the owner sees. Item and list responses are rendered once per owner stamp and URL
/// window — their JSON bytes and a strong ETag over those bytes — and kept in memory: a warm read signs nothing and
/// serializes nothing, and a client that sends the ETag back in <c>If-None-Match</c> gets <c>304</c>. The ETag is a hash
/// of exactly what the client would receive, so it changes whenever anything in it does (status, metadata, the URLs when
/// the window rolls or credentials rotate), and never otherwise.
/// </summary>
public sealed class MediaResponses(MediaUrls urls, MediaResponseCache cache, IOptions<JsonOptions> json)
{
    /// <summary>Clients may keep a response but must ask again each time (cheaply, with the ETag): it is the user's own.</summary>
    public const string CacheControl = "private, no-cache";

    /// <summary>The item as rendered for <paramref name="source"/>'s stamp in the current window; null when it does not exist.</summary>
    public async Task<RenderedResponse?> ItemAsync(MediaStore store, MediaReadSource source, Guid ownerId, Guid id, CancellationToken ct)
    {
        var window = urls.CurrentWindow();
        var key = source.Stamp is { } stamp ? $"item:{ownerId:N}:{stamp.Version:N}:{id:N}:{window.Index}:{await urls.SigningGenerationAsync()}" : null;
        if (key is not null && cache.TryGet(key, out RenderedResponse? rendered))
        {
            return rendered;
        }

        if (await store.GetAsync(source, ownerId, id, ct) is not { } item)
        {
            return null;
        }

        return Remember(key, Create(item, await urls.ForAsync(item, window)), window);
    }

    /// <summary>A page of the owner's items as rendered for <paramref name="source"/>'s stamp in the current window.</summary>
    public async Task<RenderedResponse> PageAsync(MediaStore store, MediaReadSource source, Guid ownerId, int page, int pageSize, CancellationToken ct)
    {
        var window = urls.CurrentWindow();
        var key = source.Stamp is { } stamp ? $"list:{ownerId:N}:{stamp.Version:N}:{page}:{pageSize}:{window.Index}:{await urls.SigningGenerationAsync()}" : null;
        if (key is not null && cache.TryGet(key, out RenderedResponse? rendered))
        {
            return rendered!;
        }

        var snapshot = await store.ListAsync(source, ownerId, page, pageSize, ct);
        var items = new List<MediaItemResponse>(snapshot.Items.Count);
        foreach (var item in snapshot.Items)
        {
            items.Add(Create(item, await urls.ForAsync(item, window)));
        }

        return Remember(key, new MediaPageResponse(items, page, pageSize, snapshot.TotalCount), window);
    }

    /// <summary>Renders the response, and keeps it under <paramref name="key"/>; no key (no stamp: Redis is down), not kept.</summary>
    private RenderedResponse Remember<T>(string? key, T response, Platform.Media.UrlWindow window)
    {
        var body = JsonSerializer.SerializeToUtf8Bytes(response, json.Value.SerializerOptions);
        // 128 bits of SHA-256 over the body: a strong validator (same bytes, same tag), short enough for a header.
        var tag = $"\"{Convert.ToBase64String(SHA256.HashData(body).AsSpan(0, 16)).TrimEnd('=').Replace('+', '-').Replace('/', '_')}\"";
        var rendered = new RenderedResponse(body, tag);
        if (key is not null)
        {
            cache.Set(key, rendered, body.Length + 200, window.End);
        }

        return rendered;
    }

    private static MediaItemResponse Create(MediaSnapshot item, ItemUrls urls) => new(
        item.Id, item.FileName, item.ContentType, item.Size, Platform.Media.MediaStatusText.ToText(item.Status), item.Width, item.Height,
        item.PageCount, item.FailureReason, item.CreatedAt, urls.Thumbnail, urls.Preview, urls.Download);
}

/// <summary>A response body as JSON bytes with its ETag; served as is, or as <c>304</c> when the client has it.</summary>
public sealed record RenderedResponse(byte[] Body, string ETag) : IResult
{
    public Task ExecuteAsync(HttpContext context)
    {
        var response = context.Response;
        response.Headers.ETag = ETag;
        response.Headers.CacheControl = MediaResponses.CacheControl;
        if (ClientHasIt(context.Request))
        {
            response.StatusCode = StatusCodes.Status304NotModified;
            return Task.CompletedTask;
        }

        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "application/json; charset=utf-8";
        response.ContentLength = Body.Length;
        return response.Body.WriteAsync(Body, context.RequestAborted).AsTask();
    }

    /// <summary>If-None-Match uses the weak comparison (RFC 9110 13.1.2); <c>*</c> matches any current representation.</summary>
    private bool ClientHasIt(HttpRequest request)
    {
        if (request.Headers.IfNoneMatch.Count == 0)
        {
            return false;
        }

        var current = new EntityTagHeaderValue(ETag);
        foreach (var tag in request.GetTypedHeaders().IfNoneMatch)
        {
            if (tag.Equals(EntityTagHeaderValue.Any) || tag.Compare(current, useStrongComparison: false))
            {
                return true;
            }
        }

        return false;
    }
}
