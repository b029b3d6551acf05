using System.Security.Cryptography;
using System.Text;
using Amazon.Runtime;
using Amazon.Runtime.Credentials;
using Amazon.S3;
using Microsoft.Extensions.Options;
using Platform.Data;
using Platform.Media;
using Platform.Messaging;

namespace Platform.Api.Features.Media.Delivery;

/// <summary>
/// The read URLs of an item, one concept in two forms: thumbnails and previews are S3 presigned GETs (the emulator
/// locally) or, with <c>MediaDelivery:CloudFront:BaseUrl</c>, CloudFront signed URLs; the original's download is always
/// an S3 presigned GET (served as an attachment). All are made for the current <see cref="UrlWindow"/>, so they are the
/// same for every request in it, and a response that carries them can be cached for the window
/// (<see cref="Caching.RenderedMediaCache"/>); they are signed only when such a response is rendered.
/// </summary>
public sealed class MediaUrls : IDisposable
{
    private readonly IAmazonS3 _s3;
    private readonly MediaStorage _storage;
    private readonly TimeProvider _clock;
    private readonly TimeSpan _window;
    private readonly CloudFrontUrlSigner? _cloudFront;
    private readonly Lazy<Task<S3UrlSigner>> _s3Signer;
    private readonly Lazy<AWSCredentials> _credentials;

    private SigningGeneration? _generation;

    public MediaUrls(IAmazonS3 s3, MediaStorage storage, TimeProvider clock, IOptions<MediaDeliveryOptions> options)
    {
        _s3 = s3;
        _storage = storage;
        _clock = clock;
        _window = options.Value.UrlWindow;
        var cloudFront = options.Value.CloudFront;
        _cloudFront = cloudFront.Enabled ? new CloudFrontUrlSigner(cloudFront.BaseUrl!, cloudFront.KeyPairId!, cloudFront.PrivateKey!) : null;
        _s3Signer = new(async () => new S3UrlSigner(await _storage.ResolveEndpointAsync()));
        // The S3 client's own credentials chain (environment locally, the ECS task role in AWS). The task role's
        // credentials cache their current value and refresh it before it expires, so asking on every request costs
        // nothing. Environment credentials read the variables again on every call, under the runtime's lock on the
        // environment (a few percent of the list's CPU, contended): nothing changes them while the process runs, so they
        // are read once.
        _credentials = new(() => (_s3.Config.DefaultAWSCredentials ?? DefaultAWSCredentialsIdentityResolver.GetCredentials(_s3.Config)) switch
        {
            EnvironmentVariablesAWSCredentials environment => ReadOnce(environment.GetCredentials()),
            var credentials => credentials,
        });
    }

    /// <summary>Credentials that are what <paramref name="read"/> holds, without reading anything again.</summary>
    public static AWSCredentials ReadOnce(ImmutableCredentials read) =>
        read.UseToken ? new SessionAWSCredentials(read.AccessKey, read.SecretKey, read.Token) : new BasicAWSCredentials(read.AccessKey, read.SecretKey);

    public UrlWindow CurrentWindow() => UrlWindow.At(_clock.GetUtcNow(), _window);

    /// <summary>
    /// What, besides the window, the URLs depend on: the signing credentials, named by a short hash of their access key
    /// (cache keys are visible to whoever can list Redis's keys). Temporary credentials rotate, and URLs signed with
    /// expired ones stop working, so whatever caches URLs keys them by this too.
    /// </summary>
    public async ValueTask<string> SigningGenerationAsync()
    {
        var accessKey = (await _credentials.Value.GetCredentialsAsync()).AccessKey;
        // The same access key for hours on end: hashed once, not on every request.
        if (Volatile.Read(ref _generation) is { } known && known.AccessKey == accessKey)
        {
            return known.Name;
        }

        var generation = new SigningGeneration(accessKey, Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(accessKey)).AsSpan(0, 8)));
        Volatile.Write(ref _generation, generation);
        return generation.Name;
    }

    /// <summary>The item's URLs in <paramref name="window"/>: a download once the upload is verified, thumbnails once ready.</summary>
    public async ValueTask<ItemUrls> ForAsync(MediaItem item, UrlWindow window)
    {
        var download = item.Status != MediaStatus.Pending;
        var thumbnails = item.Status == MediaStatus.Ready && MediaContentTypes.Images.Contains(item.ContentType);
        if (!download && !thumbnails)
        {
            return ItemUrls.None;
        }

        var immutable = await _credentials.Value.GetCredentialsAsync();
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

        return new ItemUrls(downloadUrl, thumbnailUrl, previewUrl);

        string Thumbnail(int size)
        {
            var objectKey = MediaObjectKeys.Thumbnail(item.OwnerId, item.Id, size);
            return _cloudFront is not null
                ? _cloudFront.Sign(objectKey, window.ExpiresAt)
                : s3Signer.PresignGet(credentials, objectKey, window.Start, expiresIn);
        }
    }

    public void Dispose() => _cloudFront?.Dispose();

    private sealed record SigningGeneration(string AccessKey, string Name);
}

/// <summary>An item's signed URLs; null where the item has no such object (yet).</summary>
public sealed record ItemUrls(string? Download, string? Thumbnail, string? Preview)
{
    public static readonly ItemUrls None = new(null, null, null);
}
