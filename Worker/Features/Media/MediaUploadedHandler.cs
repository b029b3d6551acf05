using System.Diagnostics;
using System.Net;
using Amazon.S3;
using Amazon.S3.Model;
using Amazon.SQS.Model;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Platform.Caching;
using Platform.Data;
using Platform.Media;
using Platform.Messaging;
using Platform.Worker.Data;
using Platform.Worker.Messaging;

namespace Platform.Worker.Features.Media;

/// <summary>
/// <c>media.uploaded.v1</c>: download the original, read it, store thumbnails beside it, record what was found, mark
/// the item ready (or failed, with the reason). Idempotent: the row's status decides what is left to do, thumbnails are
/// written under fixed keys, so a redelivered message either finds the work done or does the same work again.
/// </summary>
public sealed partial class MediaUploadedHandler(
    WorkerDbContext db,
    IAmazonS3 s3,
    IOptions<S3BucketSettings> bucket,
    OwnerStamps stamps,
    ImageThumbnailer thumbnailer,
    PdfInspector pdfInspector,
    ProcessingMemoryBudget memory,
    IOptions<MediaProcessingOptions> options,
    MediaMetrics metrics,
    TimeProvider clock,
    ILogger<MediaUploadedHandler> logger) : IMessageHandler
{
    public string MessageType => MessageTypes.MediaUploaded;

    public async Task HandleAsync(Message message, CancellationToken cancellationToken)
    {
        var body = QueueMessages.Deserialize<MediaUploadedMessage>(message)
            ?? throw new InvalidMessageException("The media.uploaded message has no body.");
        var item = await db.MediaItems.AsNoTracking().SingleOrDefaultAsync(m => m.Id == body.MediaId, cancellationToken);
        if (item is null)
        {
            LogGone(logger, body.MediaId);
            return;
        }

        if (item.Status is not (MediaStatus.Uploaded or MediaStatus.Processing))
        {
            // Ready or failed: an earlier delivery finished it. Pending: the Api never publishes before the upload is
            // verified, so this message is stale; a new complete sends a new one.
            LogAlreadyDone(logger, item.Id, item.Status.ToText());
            return;
        }

        var started = Stopwatch.GetTimestamp();
        var kind = ImageThumbnailer.CanProcess(item.ContentType) ? "image" : "document";
        await UpdateAsync(item, s => s.SetProperty(m => m.Status, MediaStatus.Processing), cancellationToken);

        var file = Path.Combine(Path.GetTempPath(), $"platform-media-{item.Id:N}-{Guid.NewGuid():N}");
        try
        {
            var downloading = Stopwatch.GetTimestamp();
            await DownloadAsync(item, file, cancellationToken);
            var downloaded = Stopwatch.GetTimestamp();
            if (ImageThumbnailer.CanProcess(item.ContentType))
            {
                var header = thumbnailer.ReadHeader(file, item.ContentType);
                ImageResult image;
                using (await memory.ReserveAsync(header.MemoryBytes, cancellationToken))
                {
                    image = thumbnailer.MakeThumbnails(file, header);
                }

                var thumbnailed = Stopwatch.GetTimestamp();
                // Both at once: two independent objects, one round trip of waiting instead of two.
                await Task.WhenAll(
                    PutThumbnailAsync(item, MediaObjectKeys.SmallThumbnailSize, image.SmallThumbnail, cancellationToken),
                    PutThumbnailAsync(item, MediaObjectKeys.LargeThumbnailSize, image.LargeThumbnail, cancellationToken));
                var stored = Stopwatch.GetTimestamp();
                var finished = await FinishAsync(item, MediaStatus.Ready, s => s
                    .SetProperty(m => m.Width, image.Width)
                    .SetProperty(m => m.Height, image.Height), cancellationToken);
                if (finished)
                {
                    LogImageReady(logger, item.Id, Stopwatch.GetElapsedTime(started).TotalMilliseconds,
                        Stopwatch.GetElapsedTime(downloading, downloaded).TotalMilliseconds,
                        Stopwatch.GetElapsedTime(downloaded, thumbnailed).TotalMilliseconds,
                        Stopwatch.GetElapsedTime(thumbnailed, stored).TotalMilliseconds);
                }
            }
            else if (item.ContentType == MediaContentTypes.Pdf)
            {
                var pages = await pdfInspector.CountPagesAsync(file, cancellationToken);
                await FinishAsync(item, MediaStatus.Ready, s => s.SetProperty(m => m.PageCount, pages), cancellationToken);
            }
            else
            {
                throw new MediaRejectedException($"Files of type '{item.ContentType}' cannot be processed.");
            }

            metrics.Finished(kind, "ready", Stopwatch.GetElapsedTime(started));
        }
        catch (MediaRejectedException ex)
        {
            LogRejected(logger, item.Id, ex.Message, ex.InnerException?.Message);
            await FinishAsync(item, MediaStatus.Failed, s => s.SetProperty(m => m.FailureReason, MediaItem.TruncateFailureReason(ex.Message)), cancellationToken);
            metrics.Finished(kind, "failed", Stopwatch.GetElapsedTime(started));
        }
        finally
        {
            File.Delete(file);
        }
    }

    /// <summary>The last delivery failed too and the message goes to the dead-letter queue: the user sees why it stopped.</summary>
    public async Task OnGivingUpAsync(Message message, Exception error, CancellationToken cancellationToken)
    {
        if (QueueMessages.Deserialize<MediaUploadedMessage>(message) is not { } body
            || await db.MediaItems.AsNoTracking().SingleOrDefaultAsync(m => m.Id == body.MediaId, cancellationToken) is not { } item)
        {
            return;
        }

        await FinishAsync(item, MediaStatus.Failed, s => s.SetProperty(m => m.FailureReason,
            "Processing failed repeatedly for reasons outside the file; it has been set aside for the operators."), cancellationToken);
        metrics.Finished(ImageThumbnailer.CanProcess(item.ContentType) ? "image" : "document", "failed", TimeSpan.Zero);
    }

    /// <summary>
    /// The original goes to a private temporary file before anything reads it, not straight from the response stream into
    /// libvips (<c>Image.NewFromStream</c>/<c>ThumbnailStream</c>): libvips would then read the network inside its decode,
    /// where the kill switch cannot stop a stalled read (the time limit would cover the network, not the decode), a
    /// connection dropped halfway would read as a damaged image and fail the item for good instead of being retried, and
    /// the signature check, the header check and the shrink-on-load decode could not each open the file from its start
    /// (an HTTP body cannot seek). The WebP and GIF loaders need the whole file in memory anyway, where a file is mapped.
    /// </summary>
    private async Task DownloadAsync(MediaItem item, string file, CancellationToken ct)
    {
        GetObjectResponse response;
        try
        {
            response = await s3.GetObjectAsync(new GetObjectRequest { BucketName = bucket.Value.BucketName, Key = item.ObjectKey }, ct);
        }
        catch (AmazonS3Exception ex) when (ex.StatusCode == HttpStatusCode.NotFound)
        {
            throw new MediaRejectedException("The uploaded file is no longer in storage.", ex);
        }

        using (response)
        {
            // The upload URL stays valid for a while after complete: a different file may have replaced the verified one.
            if (response.Headers.ContentLength != item.Size || response.Headers.ContentLength > options.Value.MaxUploadBytes)
            {
                throw new MediaRejectedException($"The stored file has {response.Headers.ContentLength} bytes, not the {item.Size} that were uploaded and verified.");
            }

            // Readable by this user only from the moment it exists: the file is someone's upload.
            var create = new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.Write,
                Share = FileShare.None,
                BufferSize = 81920,
                Options = FileOptions.Asynchronous,
            };
            if (!OperatingSystem.IsWindows())
            {
                create.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            }

            await using var target = new FileStream(file, create);
            await response.ResponseStream.CopyToAsync(target, ct);
        }
    }

    /// <summary>
    /// A thumbnail's key never holds other content, so browsers (and the edge) may keep it for a whole URL window without
    /// asking again; no longer, so a copy never outlives the item's deletion by more than that.
    /// </summary>
    private Task PutThumbnailAsync(MediaItem item, int size, byte[] bytes, CancellationToken ct)
    {
        var request = new PutObjectRequest
        {
            BucketName = bucket.Value.BucketName,
            Key = MediaObjectKeys.Thumbnail(item.OwnerId, item.Id, size),
            InputStream = new MemoryStream(bytes, writable: false),
            ContentType = MediaContentTypes.Webp,
        };
        request.Headers.CacheControl = UrlWindow.ImmutableCacheControl(options.Value.UrlWindow);
        return s3.PutObjectAsync(request, ct);
    }

    /// <summary>Records the outcome; false if another delivery finished the item first or it was deleted meanwhile.</summary>
    private async Task<bool> FinishAsync(
        MediaItem item, MediaStatus status, Action<Microsoft.EntityFrameworkCore.Query.UpdateSettersBuilder<MediaItem>> set, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var traceId = Activity.Current?.TraceId.ToHexString();
        var changed = await UpdateAsync(item, s =>
        {
            set(s);
            s.SetProperty(m => m.Status, status).SetProperty(m => m.ProcessedAt, now).SetProperty(m => m.ProcessedTraceId, traceId);
        }, ct);

        if (!changed && !await db.MediaItems.AnyAsync(m => m.Id == item.Id, ct))
        {
            // Deleted while we worked: the Api removed the objects it knew of, so remove the thumbnails written since.
            LogGone(logger, item.Id);
            await Task.WhenAll(
                new[] { MediaObjectKeys.SmallThumbnailSize, MediaObjectKeys.LargeThumbnailSize }.Select(size => s3.DeleteObjectAsync(
                    new DeleteObjectRequest { BucketName = bucket.Value.BucketName, Key = MediaObjectKeys.Thumbnail(item.OwnerId, item.Id, size) },
                    CancellationToken.None)));
        }

        return changed;
    }

    /// <summary>Updates the row if it is still being processed (not finished, not deleted), and tells every Api's cache.</summary>
    private async Task<bool> UpdateAsync(
        MediaItem item, Action<Microsoft.EntityFrameworkCore.Query.UpdateSettersBuilder<MediaItem>> set, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var changed = await db.MediaItems
            .Where(m => m.Id == item.Id && (m.Status == MediaStatus.Uploaded || m.Status == MediaStatus.Processing))
            .ExecuteUpdateAsync(s =>
            {
                set(s);
                s.SetProperty(m => m.UpdatedAt, now);
            }, ct);
        await stamps.InvalidateAsync(item.OwnerId);
        return changed == 1;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Media {MediaId} no longer exists; nothing to do")]
    private static partial void LogGone(ILogger logger, Guid mediaId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Media {MediaId} is already {Status}; the message is a duplicate")]
    private static partial void LogAlreadyDone(ILogger logger, Guid mediaId, string status);

    /// <summary>
    /// Where an image's time went, for the operator who asks why items take long to become ready (the duration metric has
    /// the total only). The thumbnails' part includes any wait for the memory budget; the rest of the total is the two row
    /// updates and the cache stamps. <c>eng/bench</c> reads this line for the 12 MP row's profile (<c>WorkerTiming</c>):
    /// change both together.
    /// </summary>
    [LoggerMessage(Level = LogLevel.Information, Message = "Media {MediaId} ready in {TotalMs:F0} ms: downloaded in {DownloadMs:F0} ms, thumbnails made in {ThumbnailsMs:F0} ms, stored in {StoreMs:F0} ms")]
    private static partial void LogImageReady(ILogger logger, Guid mediaId, double totalMs, double downloadMs, double thumbnailsMs, double storeMs);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Media {MediaId} failed: {Reason} ({Detail})")]
    private static partial void LogRejected(ILogger logger, Guid mediaId, string reason, string? detail);
}
