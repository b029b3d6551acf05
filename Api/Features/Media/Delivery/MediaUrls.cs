using Amazon.Runtime;
using Amazon.Runtime.Credentials;
using Amazon.S3;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;
using Platform.Media;
using Platform.Messaging;

namespace Platform.Api.Features.Media.Delivery;

/// <summary>
/// The read URLs of an item, one concept in two forms: thumbnails and previews are S3 presigned GETs (the emulator
/// locally) or, with <c>MediaDelivery:CloudFront:BaseUrl</c>, CloudFront signed URLs; the original's download is always
/// an S3 presigned GET (served as an attachment). All are made for the current <see cref="UrlWindow"/>, so they are the
/// same for every request in it, and are remembered per item and window: a page of 20 items signs nothing when warm.
/// </summary>
public sealed class MediaUrls : IDisposable
{
    private readonly IAmazonS3 _s3;
    private readonly MediaStorage _storage;
    private readonly TimeProvider _clock;
    private readonly MediaResponseCache _cache;
    private readonly TimeSpan _window;
    private readonly CloudFrontUrlSigner? _cloudFront;
    private readonly Lazy<Task<S3UrlSigner>> _s3Signer;
    private readonly Lazy<AWSCredentials> _credentials;

    public MediaUrls(IAmazonS3 s3, MediaStorage storage, TimeProvider clock, MediaResponseCache cache, IOptions<MediaDeliveryOptions> options)
    {
        _s3 = s3;
        _storage = storage;
        _clock = clock;
        _cache = cache;
        _window = options.Value.UrlWindow;
        var cloudFront = options.Value.CloudFront;
        _cloudFront = cloudFront.Enabled ? new CloudFrontUrlSigner(cloudFront.BaseUrl!, cloudFront.KeyPairId!, cloudFront.PrivateKey!) : null;
        _s3Signer = new(async () => new S3UrlSigner(await _storage.ResolveEndpointAsync()));
        // The S3 client's own credentials chain (environment locally, the ECS task role in AWS). Refreshing credentials
        // cache their current value, so asking on every signature costs nothing.
        _credentials = new(() => _s3.Config.DefaultAWSCredentials ?? DefaultAWSCredentialsIdentityResolver.GetCredentials(_s3.Config));
    }

    public UrlWindow CurrentWindow() => UrlWindow.At(_clock.GetUtcNow(), _window);

    /// <summary>
    /// What, besides the window, the URLs depend on: the signing credentials' access key. Temporary credentials rotate,
    /// and URLs signed with expired ones stop working, so whatever caches URLs keys them by this too.
    /// </summary>
    public async ValueTask<string> SigningGenerationAsync() => (await _credentials.Value.GetCredentialsAsync()).AccessKey;

    /// <summary>The item's URLs in <paramref name="window"/>: a download once the upload is verified, thumbnails once ready.</summary>
    public async ValueTask<ItemUrls> ForAsync(MediaSnapshot item, UrlWindow window)
    {
        var download = item.Status != MediaStatus.Pending;
        var thumbnails = item.Status == MediaStatus.Ready && MediaContentTypes.Images.Contains(item.ContentType);
        if (!download && !thumbnails)
        {
            return ItemUrls.None;
        }

        var immutable = await _credentials.Value.GetCredentialsAsync();
        var key = $"urls:{item.Id:N}:{window.Index}:{download}:{thumbnails}:{immutable.AccessKey}";
        if (_cache.TryGet(key, out ItemUrls? cached))
        {
            return cached!;
        }

        var credentials = new SigningCredentials(immutable.AccessKey, immutable.SecretKey, immutable.UseToken ? immutable.Token : null);
        var s3Signer = await _s3Signer.Value;
        var expiresIn = window.ExpiresAt - window.Start;
        string? downloadUrl = null, thumbnailUrl = null, previewUrl = null;
        if (download)
        {
            downloadUrl = s3Signer.PresignGet(credentials, item.ObjectKey, window.Start, expiresIn,
            [
                new("response-content-disposition", ContentDisposition.Attachment(item.FileName)),
                new("response-content-type", item.ContentType),
            ]);
        }

        if (thumbnails)
        {
            thumbnailUrl = Thumbnail(MediaObjectKeys.SmallThumbnailSize);
            previewUrl = Thumbnail(MediaObjectKeys.LargeThumbnailSize);
        }

        var urls = new ItemUrls(downloadUrl, thumbnailUrl, previewUrl);
        _cache.Set(key, urls, (downloadUrl?.Length ?? 0) + (thumbnailUrl?.Length ?? 0) + (previewUrl?.Length ?? 0), window.End);
        return urls;

        string Thumbnail(int size)
        {
            var objectKey = MediaObjectKeys.Thumbnail(item.OwnerId, item.Id, size);
            return _cloudFront is not null
                ? _cloudFront.Sign(objectKey, window.ExpiresAt)
                : s3Signer.PresignGet(credentials, objectKey, window.Start, expiresIn);
        }
    }

    public void Dispose() => _cloudFront?.Dispose();
}

/// <summary>An item's signed URLs; null where the item has no such object (yet).</summary>
public sealed record ItemUrls(string? Download, string? Thumbnail, string? Preview)
{
    public static readonly ItemUrls None = new(null, null, null);
}

/// <summary>
/// The Api's in-process cache of what it renders: signed URLs per item and window, and whole item and list responses
/// (their JSON and ETag) per owner stamp and window. Bounded in bytes (<c>Media:ResponseCacheBytes</c>); entries never
/// outlive their window, and a change moves the owner to a new stamp, so nothing stale is ever found.
/// </summary>
public sealed class MediaResponseCache(IOptions<MediaOptions> options) : IDisposable
{
    private readonly MemoryCache _cache = new(new MemoryCacheOptions { SizeLimit = options.Value.ResponseCacheBytes });

    public bool TryGet<T>(string key, out T? value) => _cache.TryGetValue(key, out value);

    public void Set<T>(string key, T value, long size, DateTimeOffset until) =>
        _cache.Set(key, value, new MemoryCacheEntryOptions
        {
            Size = Math.Max(1, size),
            AbsoluteExpiration = until,
            // An owner's entries under an old stamp are never asked for again: let them go soon.
            SlidingExpiration = TimeSpan.FromMinutes(2),
        });

    public void Dispose() => _cache.Dispose();
}
