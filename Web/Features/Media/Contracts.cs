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
    public bool IsReady => Status == "ready";

    public bool IsFailed => Status == "failed";

    public bool IsImage => ContentType.StartsWith("image/", StringComparison.Ordinal);
}

public sealed record MediaPage(IReadOnlyList<MediaItem> Items, int TotalCount, int Page, int PageSize)
{
    public int PageCount => Math.Max(1, (TotalCount + PageSize - 1) / PageSize);
}

public sealed record UploadRequest(string FileName, string ContentType, long Size);

public sealed record UploadTicket(Guid Id, string UploadUrl, DateTimeOffset UploadExpiresAt);
