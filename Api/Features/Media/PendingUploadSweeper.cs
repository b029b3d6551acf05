using Microsoft.Extensions.Options;
using Platform.Media;
using Platform.Messaging;
using Platform.ServiceDefaults.Resilience;

namespace Platform.Api.Features.Media;

/// <summary>
/// Removes uploads that were never completed: once an item's upload URLs have expired and <c>Media:PendingUploadGrace</c>
/// has passed, its row goes (with a <c>media.deleted</c> message, as for a delete by the owner), then its upload object
/// and any open multipart upload. Every <c>Media:PendingCleanupInterval</c>, in batches of
/// <c>Media:PendingCleanupBatchSize</c>; every Api instance runs it, and the rows each takes are its own
/// (<see cref="MediaStore.DeleteExpiredUploadsAsync"/>). Each sweep also removes whatever sits under the upload prefix
/// longer than an upload URL lives plus the grace (<see cref="MediaStorage.DeleteUploadsStoredBeforeAsync"/>): bytes
/// a still-valid URL stored after its item was completed or deleted. In AWS the bucket's lifecycle rules on the upload
/// prefix are the backstop for whatever a failed call here leaves.
/// </summary>
public sealed partial class PendingUploadSweeper(
    IServiceScopeFactory scopes, MediaStorage storage, TimeProvider clock, IOptions<MediaOptions> options, ILogger<PendingUploadSweeper> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.PendingCleanupInterval, clock);
        do
        {
            try
            {
                // A full batch means there may be more: sweep again at once, each batch a short transaction of its own.
                while (await SweepOnceAsync(stoppingToken) >= options.Value.PendingCleanupBatchSize)
                {
                }

                while (await SweepLeftoverUploadsAsync(stoppingToken) >= options.Value.PendingCleanupBatchSize)
                {
                }
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                // The database or the bucket out of reach: try again next time, the expired rows are still there.
                LogSweepFailed(logger, ex);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    /// <summary>One batch: returns how many expired uploads were removed.</summary>
    public async Task<int> SweepOnceAsync(CancellationToken ct)
    {
        var settings = options.Value;
        IReadOnlyList<ExpiredUpload> expired;
        await using (var scope = scopes.CreateAsyncScope())
        {
            var store = scope.ServiceProvider.GetRequiredService<MediaStore>();
            expired = await store.DeleteExpiredUploadsAsync(clock.GetUtcNow() - settings.PendingUploadGrace, settings.PendingCleanupBatchSize, ct);
        }

        foreach (var upload in expired)
        {
            try
            {
                var uploadKey = MediaObjectKeys.Upload(upload.OwnerId, upload.Id);
                if (upload.MultipartUploadId is { } uploadId)
                {
                    await storage.AbortMultipartUploadAsync(uploadKey, uploadId, ct);
                }

                await storage.DeleteAsync(MediaObjectKeys.All(upload.OwnerId, upload.Id), ct);
            }
            catch (Exception ex) when (ex is Amazon.Runtime.AmazonServiceException or DependencyUnavailableException)
            {
                // The row is gone and the Worker's message is queued: it removes the objects; the lifecycle rule aborts the upload.
                LogRemovalFailed(logger, ex, upload.Id);
            }
        }

        if (expired.Count > 0)
        {
            LogSwept(logger, expired.Count);
        }

        return expired.Count;
    }

    /// <summary>One batch of leftover upload objects: returns how many were removed.</summary>
    public async Task<int> SweepLeftoverUploadsAsync(CancellationToken ct)
    {
        var settings = options.Value;
        var removed = await storage.DeleteUploadsStoredBeforeAsync(
            clock.GetUtcNow() - settings.UploadUrlLifetime - settings.PendingUploadGrace - ClockSkewMargin, settings.PendingCleanupBatchSize, ct);
        if (removed > 0)
        {
            LogLeftoversRemoved(logger, removed);
        }

        return removed;
    }

    /// <summary>S3 stamps objects with its own clock: a minute's margin keeps a skewed clock from cutting a URL's window short.</summary>
    private static readonly TimeSpan ClockSkewMargin = TimeSpan.FromMinutes(1);

    [LoggerMessage(Level = LogLevel.Information, Message = "Removed {Count} object(s) left under the upload prefix after their URLs expired")]
    private static partial void LogLeftoversRemoved(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Information, Message = "Removed {Count} expired pending upload(s)")]
    private static partial void LogSwept(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sweeping expired pending uploads failed; the next sweep tries again")]
    private static partial void LogSweepFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Removing the objects of expired upload {MediaId} failed; the Worker will remove them")]
    private static partial void LogRemovalFailed(ILogger logger, Exception exception, Guid mediaId);
}
