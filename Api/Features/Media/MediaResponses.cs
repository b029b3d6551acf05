using System.ComponentModel;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using Platform.Api.Features.Media.Caching;
using Platform.Api.Features.Media.Delivery;
using Platform.Caching;
using Platform.Data;
using Platform.Media;

namespace Platform.Api.Features.Media;

/// <summary>
/// What the owner sees of their media, rendered: the JSON bytes of an item, a page of the list or a set of statuses,
/// and a strong ETag over those bytes. Rendered once per owner stamp (and URL window and signing generation, where the
/// body has signed URLs) and kept in <see cref="RenderedMediaCache"/>: a warm read reads no row, signs nothing and
/// serializes nothing, and a client that sends the ETag back in <c>If-None-Match</c> gets <c>304</c>. The ETag is a hash
/// of exactly what the client would receive, so it changes whenever anything in it does (status, metadata, the URLs when
/// the window rolls or credentials rotate), and never otherwise. Without a stamp (no Redis) every read renders afresh
/// from the primary and nothing is kept.
/// </summary>
public sealed class MediaResponses(MediaUrls urls, RenderedMediaCache cache, IOptions<JsonOptions> json)
{
    /// <summary>Clients may keep a response but must ask again each time (cheaply, with the ETag): it is the user's own.</summary>
    public const string CacheControl = "private, no-cache";

    /// <summary>The item as of <paramref name="source"/>'s stamp in the current window; null when it does not exist.</summary>
    public async Task<RenderedResponse?> ItemAsync(MediaStore store, MediaReadSource source, Guid ownerId, Guid id, CancellationToken ct)
    {
        var window = urls.CurrentWindow();
        if (source.Stamp is not { } stamp)
        {
            return await RenderItemAsync(store, source, ownerId, id, window, ct);
        }

        var key = MediaCacheKeys.ItemResponse(ownerId, stamp.Version, id, window.Index, await urls.SigningGenerationAsync());
        return await cache.GetOrRenderAsync(key, window.End, (Responses: this, store, source, ownerId, id, window),
            static (s, ct) => s.Responses.RenderItemAsync(s.store, s.source, s.ownerId, s.id, s.window, ct), ct);
    }

    /// <summary>A page of the owner's items as of <paramref name="source"/>'s stamp in the current window.</summary>
    public async Task<RenderedResponse> PageAsync(MediaStore store, MediaReadSource source, Guid ownerId, int page, int pageSize, CancellationToken ct)
    {
        var window = urls.CurrentWindow();
        if (source.Stamp is not { } stamp)
        {
            return await RenderPageAsync(store, source, ownerId, page, pageSize, window, ct);
        }

        var key = MediaCacheKeys.PageResponse(ownerId, stamp.Version, page, pageSize, window.Index, await urls.SigningGenerationAsync());
        var rendered = await cache.GetOrRenderAsync(key, window.End, (Responses: this, store, source, ownerId, page, pageSize, window),
            static async (s, ct) => (RenderedResponse?)await s.Responses.RenderPageAsync(s.store, s.source, s.ownerId, s.page, s.pageSize, s.window, ct), ct);
        return rendered!;
    }

    /// <summary>
    /// The status of each of <paramref name="ids"/> that is the owner's, as of <paramref name="source"/>'s stamp: one
    /// query for the whole set, kept under the stamp, so a page polling the same set reads no row until something changes.
    /// </summary>
    public async Task<RenderedResponse> StatusesAsync(MediaStore store, MediaReadSource source, Guid ownerId, IReadOnlyList<Guid> ids, CancellationToken ct)
    {
        if (source.Stamp is not { } stamp)
        {
            return await RenderStatusesAsync(store, source, ownerId, ids, ct);
        }

        // No URLs in it: it depends on the stamp alone.
        var key = MediaCacheKeys.StatusesResponse(ownerId, stamp.Version, HashOf(ids));
        var rendered = await cache.GetOrRenderAsync(key, DateTimeOffset.MaxValue, (Responses: this, store, source, ownerId, ids),
            static async (s, ct) => (RenderedResponse?)await s.Responses.RenderStatusesAsync(s.store, s.source, s.ownerId, s.ids, ct), ct);
        return rendered!;
    }

    private async ValueTask<RenderedResponse?> RenderItemAsync(
        MediaStore store, MediaReadSource source, Guid ownerId, Guid id, UrlWindow window, CancellationToken ct) =>
        await store.GetAsync(source, ownerId, id, ct) is { } item ? Render(Create(item, await urls.ForAsync(item, window))) : null;

    private async Task<RenderedResponse> RenderPageAsync(
        MediaStore store, MediaReadSource source, Guid ownerId, int page, int pageSize, UrlWindow window, CancellationToken ct)
    {
        var (items, total) = await store.ListAsync(source, ownerId, page, pageSize, ct);
        var responses = new List<MediaItemResponse>(items.Count);
        foreach (var item in items)
        {
            responses.Add(Create(item, await urls.ForAsync(item, window)));
        }

        return Render(new MediaPageResponse(responses, page, pageSize, total));
    }

    private async Task<RenderedResponse> RenderStatusesAsync(MediaStore store, MediaReadSource source, Guid ownerId, IReadOnlyList<Guid> ids, CancellationToken ct)
    {
        var statuses = await store.StatusesAsync(source, ownerId, ids, ct);
        return Render(new MediaStatusesResponse([.. statuses.Select(s => new MediaStatusResponse(s.Id, s.Status.ToText(), s.FailureReason))]));
    }

    /// <summary>Names a set of ids whatever their order: SHA-256 over the sorted ids, hex.</summary>
    private static string HashOf(IReadOnlyList<Guid> ids)
    {
        var bytes = new byte[ids.Count * 16];
        var i = 0;
        foreach (var id in ids.Order())
        {
            id.TryWriteBytes(bytes.AsSpan(i, 16));
            i += 16;
        }

        return Convert.ToHexStringLower(SHA256.HashData(bytes));
    }

    /// <summary>The response's JSON bytes and their ETag.</summary>
    private RenderedResponse Render<T>(T response)
    {
        var body = JsonSerializer.SerializeToUtf8Bytes(response, json.Value.SerializerOptions);
        // 128 bits of SHA-256 over the body: a strong validator (same bytes, same tag), short enough for a header.
        var tag = $"\"{Convert.ToBase64String(SHA256.HashData(body).AsSpan(0, 16)).TrimEnd('=').Replace('+', '-').Replace('/', '_')}\"";
        return new RenderedResponse(body, tag);
    }

    private static MediaItemResponse Create(MediaItem item, ItemUrls urls) => new(
        item.Id, item.FileName, item.ContentType, item.Size, item.Status.ToText(), item.Width, item.Height,
        item.PageCount, item.FailureReason, item.CreatedAt, urls.Thumbnail, urls.Preview, urls.Download);
}

/// <summary>
/// A response body as JSON bytes with its ETag; served as is, or as <c>304</c> when the client has it. Immutable (never
/// changed once made), and marked so: HybridCache then keeps this very instance in memory and hands it out on every hit
/// instead of a copy deserialized per hit.
/// </summary>
[ImmutableObject(true)]
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
