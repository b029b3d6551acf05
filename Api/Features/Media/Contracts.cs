using Platform.Media;

namespace Platform.Api.Features.Media;

/// <summary>Body of <c>POST /api/media</c>. Every field is required; nullable so a missing one is named, not defaulted.</summary>
public sealed record CreateMediaRequest(string? FileName, string? ContentType, long? Size);

/// <summary>Answer to <c>POST /api/media</c>: PUT the bytes to <see cref="UploadUrl"/> with the declared Content-Type.</summary>
public sealed record CreateMediaResponse(Guid Id, string UploadUrl, DateTimeOffset UploadExpiresAt);

/// <summary>One media item as its owner sees it. The URLs are short-lived presigned GETs.</summary>
public sealed record MediaItemResponse(
    Guid Id,
    string FileName,
    string ContentType,
    long Size,
    string Status,
    int? Width,
    int? Height,
    int? PageCount,
    string? FailureReason,
    DateTimeOffset CreatedAt,
    string? ThumbnailUrl,
    string? PreviewUrl,
    string? DownloadUrl);

/// <summary>One page of the owner's items, newest first.</summary>
public sealed record MediaPageResponse(IReadOnlyList<MediaItemResponse> Items, int Page, int PageSize, int TotalCount);

/// <summary>What the cache holds for an item: the row's data, never URLs (those are signed per response).</summary>
public sealed record MediaSnapshot(
    Guid Id,
    Guid OwnerId,
    string FileName,
    string ContentType,
    long Size,
    string ObjectKey,
    MediaStatus Status,
    int? Width,
    int? Height,
    int? PageCount,
    string? FailureReason,
    DateTimeOffset CreatedAt,
    string? CompleteTraceId,
    string? ProcessedTraceId)
{
    public static MediaSnapshot From(MediaItem m) => new(
        m.Id, m.OwnerId, m.FileName, m.ContentType, m.Size, m.ObjectKey, m.Status, m.Width, m.Height, m.PageCount,
        m.FailureReason, m.CreatedAt, m.CompleteTraceId, m.ProcessedTraceId);
}

public sealed record MediaPageSnapshot(IReadOnlyList<MediaSnapshot> Items, int TotalCount);
