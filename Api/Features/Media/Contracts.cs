using System.Text.Json.Serialization;

namespace Platform.Api.Features.Media;

/// <summary>Body of <c>POST /api/media</c>. Every field is required; nullable so a missing one is named, not defaulted.</summary>
public sealed record CreateMediaRequest(string? FileName, string? ContentType, long? Size);

/// <summary>
/// Answer to <c>POST /api/media</c>. Up to <c>Media:MultipartThresholdBytes</c>: PUT the bytes to <see cref="UploadUrl"/>
/// with the declared Content-Type. Above it: PUT each <see cref="PartSize"/> slice of the file (the last one holds the
/// rest) to its part's URL and complete with the ETag each PUT answered. Only the fields of the chosen way are sent, so
/// a single-PUT answer is exactly what it was before multipart uploads existed.
/// </summary>
public sealed record CreateMediaResponse(
    Guid Id,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? UploadUrl,
    DateTimeOffset UploadExpiresAt,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] long? PartSize = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<UploadPartUrl>? Parts = null);

/// <summary>Where to PUT part <see cref="PartNumber"/> (1-based): bytes [(n-1)·partSize, n·partSize) of the file.</summary>
public sealed record UploadPartUrl(int PartNumber, string Url);

/// <summary>
/// Optional body of <c>POST /api/media/{id}/complete</c>: required for a multipart upload, absent for a single PUT.
/// Nullable throughout so that a missing value is named in the answer, not defaulted.
/// </summary>
public sealed record CompleteMediaRequest(IReadOnlyList<CompletedPartRequest?>? Parts);

/// <summary>A part the client uploaded: its number and the <c>ETag</c> header S3 answered its PUT with.</summary>
public sealed record CompletedPartRequest(int? PartNumber, string? ETag);

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

/// <summary>
/// Answer to <c>GET /api/media/status?ids=…</c>: the status of each requested item that is the caller's. An id that is
/// not (someone else's, deleted, never existed) is simply absent, exactly as a single read answers 404 for all three.
/// </summary>
public sealed record MediaStatusesResponse(IReadOnlyList<MediaStatusResponse> Items);

/// <summary>Where one item is: its status and, once it failed, why.</summary>
public sealed record MediaStatusResponse(Guid Id, string Status, string? FailureReason);

/// <summary>
/// Answer to <c>POST /api/media/{id}/complete</c>: the item and its status (uploaded, or further along when an earlier
/// completion got there first). The item itself, with its URLs, is at the <c>Location</c>.
/// </summary>
public sealed record CompleteMediaResponse(Guid Id, string Status);

/// <summary>One page of the owner's items, newest first.</summary>
public sealed record MediaPageResponse(IReadOnlyList<MediaItemResponse> Items, int Page, int PageSize, int TotalCount);
