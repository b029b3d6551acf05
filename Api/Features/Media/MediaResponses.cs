using Microsoft.Extensions.Options;
using Platform.Media;
using Platform.Messaging;

namespace Platform.Api.Features.Media;

/// <summary>Turns a cached snapshot into what the owner sees, signing fresh short-lived URLs for each response.</summary>
public sealed class MediaResponses(MediaStorage storage, TimeProvider clock, IOptions<MediaOptions> options)
{
    public async Task<MediaItemResponse> CreateAsync(MediaSnapshot item)
    {
        var expiresAt = clock.GetUtcNow() + options.Value.DownloadUrlLifetime;

        // The original exists once the upload was verified; thumbnails once the Worker is done with an image.
        string? download = null, thumbnail = null, preview = null;
        if (item.Status != MediaStatus.Pending)
        {
            download = await storage.PresignDownloadAsync(item.ObjectKey, item.ContentType, expiresAt, item.FileName);
        }

        if (item.Status == MediaStatus.Ready && item.ContentType.StartsWith("image/", StringComparison.Ordinal))
        {
            thumbnail = await storage.PresignDownloadAsync(
                MediaObjectKeys.Thumbnail(item.OwnerId, item.Id, MediaObjectKeys.SmallThumbnailSize), "image/webp", expiresAt);
            preview = await storage.PresignDownloadAsync(
                MediaObjectKeys.Thumbnail(item.OwnerId, item.Id, MediaObjectKeys.LargeThumbnailSize), "image/webp", expiresAt);
        }

        return new MediaItemResponse(
            item.Id, item.FileName, item.ContentType, item.Size, item.Status.ToText(), item.Width, item.Height, item.PageCount,
            item.FailureReason, item.CreatedAt, thumbnail, preview, download);
    }
}
