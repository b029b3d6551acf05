using System.Net;
using System.Text;
using Amazon.S3;
using Amazon.S3.Model;
using Microsoft.Extensions.Options;
using Platform.ServiceDefaults.Resilience;

namespace Platform.Api.Features.Media;

/// <summary>
/// The Api's side of the bucket: it signs URLs (a local computation, no call to S3), checks uploads with HEAD and removes
/// objects. The bytes themselves never pass through the Api. Every call to S3 goes through the storage's
/// <see cref="DependencyGuard"/>: S3 out of reach means a fast 503, not a request that hangs.
/// </summary>
public sealed class MediaStorage(IAmazonS3 s3, IOptions<S3BucketSettings> bucket, [FromKeyedServices(MediaStorage.GuardKey)] DependencyGuard guard)
    : IUploadedObjects
{
    public const string GuardKey = "s3";

    /// <summary>S3 may take a while to join a large upload's parts (AWS: up to minutes); the other calls are short.</summary>
    private static readonly TimeSpan CompleteMultipartTimeout = TimeSpan.FromMinutes(2);

    // Presigned URLs must use the scheme of the endpoint they point at: https for S3 itself, http for a local emulator
    // configured with an http ServiceURL. Read from the client's own configuration, not from an "am I local" flag.
    private readonly Protocol _protocol =
        s3.Config.ServiceURL is { } url && url.StartsWith("http://", StringComparison.OrdinalIgnoreCase) ? Protocol.HTTP : Protocol.HTTPS;

    private string BucketName => bucket.Value.BucketName;

    /// <summary>
    /// A PUT URL for <paramref name="key"/>, signed for <paramref name="contentType"/> and exactly <paramref name="size"/>
    /// bytes: the SDK puts <c>content-length</c> among the signed headers (<c>X-Amz-SignedHeaders</c>), so S3 refuses a
    /// body of any other length (403 SignatureDoesNotMatch) and the URL can never store more than was declared.
    /// </summary>
    public Task<string> PresignUploadAsync(string key, string contentType, long size, DateTimeOffset expiresAt)
    {
        var request = new GetPreSignedUrlRequest
        {
            BucketName = BucketName,
            Key = key,
            Verb = HttpVerb.PUT,
            ContentType = contentType,
            Expires = expiresAt.UtcDateTime,
            Protocol = _protocol,
        };
        request.Headers.ContentLength = size;
        return s3.GetPreSignedURLAsync(request);
    }

    /// <summary>
    /// Opens a multipart upload for <paramref name="key"/>; the object gets <paramref name="contentType"/> when it is
    /// completed. No checksum algorithm is chosen: with one, S3 would expect a checksum header on every part, which
    /// a presigned URL cannot carry for the browser.
    /// </summary>
    public async Task<string> StartMultipartUploadAsync(string key, string contentType, CancellationToken cancellationToken)
    {
        var response = await guard.RunAsync(ct => s3.InitiateMultipartUploadAsync(new InitiateMultipartUploadRequest
        {
            BucketName = BucketName,
            Key = key,
            ContentType = contentType,
        }, ct), cancellationToken);
        return response.UploadId;
    }

    /// <summary>
    /// A PUT URL for one part of an open multipart upload, signed for exactly <paramref name="partSize"/> bytes (the Api
    /// decides every part's size), so no part can hold more than its slice of the declared file. Unsigned for any content
    /// type: a part is a slice of the file, which a browser sends without one; the object's type was fixed when the
    /// upload started.
    /// </summary>
    public Task<string> PresignUploadPartAsync(string key, string uploadId, int partNumber, long partSize, DateTimeOffset expiresAt)
    {
        var request = new GetPreSignedUrlRequest
        {
            BucketName = BucketName,
            Key = key,
            Verb = HttpVerb.PUT,
            UploadId = uploadId,
            PartNumber = partNumber,
            Expires = expiresAt.UtcDateTime,
            Protocol = _protocol,
        };
        request.Headers.ContentLength = partSize;
        return s3.GetPreSignedURLAsync(request);
    }

    /// <summary>
    /// Joins the parts into the object. S3's refusals that a client caused (a part missing, an ETag that does not match,
    /// a part too small) and an upload that no longer exists are answers, not exceptions.
    /// </summary>
    public async Task<MultipartCompletion> CompleteMultipartUploadAsync(
        string key, string uploadId, IEnumerable<UploadedPart> parts, CancellationToken cancellationToken)
    {
        try
        {
            await guard.RunAsync(ct => s3.CompleteMultipartUploadAsync(new CompleteMultipartUploadRequest
            {
                BucketName = BucketName,
                Key = key,
                UploadId = uploadId,
                PartETags = parts.Select(p => new PartETag(p.PartNumber, p.ETag)).ToList(),
            }, ct), cancellationToken, CompleteMultipartTimeout);
            return MultipartCompletion.Completed;
        }
        catch (AmazonS3Exception ex) when (ex.ErrorCode == "NoSuchUpload")
        {
            // Completed by an earlier request (whose answer was lost), aborted, or expired by the bucket's lifecycle rule.
            return MultipartCompletion.NoSuchUpload;
        }
        catch (AmazonS3Exception ex) when (ex.ErrorCode is "InvalidPart" or "InvalidPartOrder")
        {
            return MultipartCompletion.PartsNotFound;
        }
        catch (AmazonS3Exception ex) when (ex.ErrorCode == "EntityTooSmall")
        {
            return MultipartCompletion.PartTooSmall;
        }
    }

    /// <summary>Drops an open multipart upload and the parts stored so far; one that no longer exists is fine.</summary>
    public async Task AbortMultipartUploadAsync(string key, string uploadId, CancellationToken cancellationToken)
    {
        try
        {
            await guard.RunAsync(ct => s3.AbortMultipartUploadAsync(new AbortMultipartUploadRequest { BucketName = BucketName, Key = key, UploadId = uploadId }, ct), cancellationToken);
        }
        catch (AmazonS3Exception ex) when (ex.ErrorCode == "NoSuchUpload")
        {
            // Already completed or aborted: nothing left to drop.
        }
    }

    /// <summary>
    /// Where the bucket's objects are addressed and in which region they are signed, read once from a URL the SDK
    /// presigns: its endpoint rules (region, path or virtual-hosted style, the emulator's ServiceURL) decide, and the
    /// read URLs are then signed locally (see <see cref="Delivery.S3UrlSigner"/>).
    /// </summary>
    public async Task<Delivery.S3Endpoint> ResolveEndpointAsync()
    {
        const string probeKey = "endpoint-probe";
        var url = await s3.GetPreSignedURLAsync(new GetPreSignedUrlRequest
        {
            BucketName = BucketName,
            Key = probeKey,
            Verb = HttpVerb.GET,
            Expires = DateTime.UtcNow.AddMinutes(1),
            Protocol = _protocol,
        });
        return Delivery.S3Endpoint.FromPresignedUrl(url, probeKey);
    }

    /// <summary>The object's size and content type, or null when there is no object under <paramref name="key"/>.</summary>
    public Task<StoredObject?> HeadAsync(string key, CancellationToken cancellationToken) =>
        guard.RunAsync<StoredObject?>(async ct =>
        {
            try
            {
                var response = await s3.GetObjectMetadataAsync(new GetObjectMetadataRequest { BucketName = BucketName, Key = key }, ct);
                return new StoredObject(response.Headers.ContentLength, response.Headers.ContentType, response.ETag);
            }
            catch (AmazonS3Exception ex) when (ex.StatusCode == HttpStatusCode.NotFound)
            {
                return null;
            }
        }, cancellationToken);

    /// <summary>
    /// Copies the verified upload to where the item's original lives, only if the upload is still the version that was
    /// checked (<c>x-amz-copy-source-if-match</c>: a PUT in between makes S3 refuse the copy instead of copying unchecked
    /// bytes). False when the upload changed or is gone. One CopyObject takes up to 5 GiB, the largest upload allowed.
    /// </summary>
    public async Task<bool> PromoteAsync(string uploadKey, string originalKey, string? eTag, CancellationToken cancellationToken)
    {
        try
        {
            await guard.RunAsync(ct => s3.CopyObjectAsync(new CopyObjectRequest
            {
                SourceBucket = BucketName,
                SourceKey = uploadKey,
                DestinationBucket = BucketName,
                DestinationKey = originalKey,
                ETagToMatch = eTag,
                MetadataDirective = S3MetadataDirective.COPY,
            }, ct), cancellationToken, CompleteMultipartTimeout);
            return true;
        }
        catch (AmazonS3Exception ex) when (ex.StatusCode is HttpStatusCode.PreconditionFailed or HttpStatusCode.NotFound)
        {
            return false;
        }
    }

    /// <summary>
    /// Removes what upload URLs stored before <paramref name="cutoff"/> (at most <paramref name="limit"/> objects per
    /// call): by then every URL that could have written it has expired and its item was completed (the bytes were copied
    /// out), deleted or swept, so whatever is left under the upload prefix (a PUT after complete or after a delete) is
    /// bytes no quota counts. The bucket's lifecycle rule does the same in AWS, but only daily and not in the emulator;
    /// this keeps the bound the same in every stage. Returns how many objects went.
    /// </summary>
    public async Task<int> DeleteUploadsStoredBeforeAsync(DateTimeOffset cutoff, int limit, CancellationToken cancellationToken)
    {
        var stale = new List<string>();
        string? continuation = null;
        do
        {
            var page = await guard.RunAsync(ct => s3.ListObjectsV2Async(new ListObjectsV2Request
            {
                BucketName = BucketName,
                Prefix = Platform.Messaging.MediaObjectKeys.UploadPrefix,
                ContinuationToken = continuation,
                MaxKeys = 1000,
            }, ct), cancellationToken);
            stale.AddRange((page.S3Objects ?? [])
                .Where(o => o.LastModified is { } modified && new DateTimeOffset(modified.ToUniversalTime(), TimeSpan.Zero) < cutoff)
                .Select(o => o.Key));
            continuation = page.IsTruncated == true ? page.NextContinuationToken : null;
        }
        while (continuation is not null && stale.Count < limit);

        if (stale.Count == 0)
        {
            return 0;
        }

        var batch = stale.Take(limit).ToList();
        await guard.RunAsync(ct => s3.DeleteObjectsAsync(new DeleteObjectsRequest
        {
            BucketName = BucketName,
            Objects = batch.Select(key => new KeyVersion { Key = key }).ToList(),
            Quiet = true,
        }, ct), cancellationToken);
        return batch.Count;
    }

    /// <summary>Removes the objects; a key with no object is fine (S3's DELETE is idempotent).</summary>
    public Task DeleteAsync(IEnumerable<string> keys, CancellationToken cancellationToken) =>
        guard.RunAsync(ct => Task.WhenAll(keys.Select(key => s3.DeleteObjectAsync(new DeleteObjectRequest { BucketName = BucketName, Key = key }, ct))), cancellationToken);
}

public sealed record StoredObject(long Size, string? ContentType, string? ETag = null);

/// <summary>One part as the client uploaded it: its number and the ETag S3 answered the part's PUT with.</summary>
public sealed record UploadedPart(int PartNumber, string ETag);

public enum MultipartCompletion
{
    Completed,
    NoSuchUpload,
    PartsNotFound,
    PartTooSmall,
}

/// <summary>
/// A <c>Content-Disposition</c> value that is safe for any file name a client sent. Written here because
/// System.Net.Mime.ContentDisposition and Microsoft.Net.Http.Headers produce RFC 2047 encodings or throw on some names,
/// whereas browsers want RFC 6266: an ASCII fallback plus <c>filename*</c> in UTF-8.
/// </summary>
public static class ContentDisposition
{
    public static string Attachment(string fileName)
    {
        var ascii = new StringBuilder(fileName.Length);
        foreach (var c in fileName)
        {
            // Quotes, backslashes, control characters and anything outside printable ASCII can break out of the quoted
            // string or split the header: replace them in the fallback; the exact name travels in filename*.
            ascii.Append(c is >= ' ' and <= '~' and not '"' and not '\\' ? c : '_');
        }

        return $"attachment; filename=\"{ascii}\"; filename*=UTF-8''{Uri.EscapeDataString(fileName)}";
    }
}
