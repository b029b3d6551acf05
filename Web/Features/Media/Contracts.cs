using Platform.Media;

namespace Platform.Web.Features.Media;

/// <summary>The Api's media resources, as the Web app reads them.</summary>
public sealed record MediaItem(
    Guid Id,
    string FileName,
    string ContentType,
    long Size,
    string Status,
    int? Width,
    int? Height,
    int? PageCount,
    DateTimeOffset CreatedAt,
    string? ThumbnailUrl,
    string? PreviewUrl,
    string? DownloadUrl,
    string? FailureReason)
{
    /// <summary>
    /// <see cref="Status"/> in the shared vocabulary; null for a status a newer Api may send that this Web does not know
    /// (kept as text so that one such item cannot break the page).
    /// </summary>
    public MediaStatus? KnownStatus => MediaStatusText.TryParse(Status);

    public bool IsReady => KnownStatus == MediaStatus.Ready;

    public bool IsFailed => KnownStatus == MediaStatus.Failed;

}

public sealed record MediaPage(IReadOnlyList<MediaItem> Items, int TotalCount, int Page, int PageSize)
{
    public int PageCount => Math.Max(1, (TotalCount + PageSize - 1) / PageSize);
}

/// <summary>The Api's batch status answer: the requested items that are the user's, each with its status.</summary>
public sealed record MediaStatuses(IReadOnlyList<MediaStatusItem> Items);

public sealed record MediaStatusItem(Guid Id, string Status, string? FailureReason);

public sealed record UploadRequest(string FileName, string ContentType, long Size);

/// <summary>
/// The Api's answer to an upload request, passed to the page as is: <see cref="UploadUrl"/> for a file sent in one PUT,
/// or <see cref="Parts"/> (one presigned URL per <see cref="PartSize"/> slice) for a large file sent in parts.
/// </summary>
public sealed record UploadTicket(Guid Id, string? UploadUrl, DateTimeOffset UploadExpiresAt, long? PartSize, IReadOnlyList<UploadPartUrl>? Parts);

public sealed record UploadPartUrl(int PartNumber, string Url);

/// <summary>
/// What the page reports when a file is uploaded: for a multipart upload, each part's number and the ETag storage
/// answered its PUT with. Nullable throughout: the Api checks the list and names what is wrong; Web only relays it.
/// </summary>
public sealed record CompleteUploadRequest(IReadOnlyList<CompletedPart?>? Parts);

public sealed record CompletedPart(int? PartNumber, string? ETag);
