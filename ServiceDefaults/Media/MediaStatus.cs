namespace Platform.Media;

/// <summary>
/// Where a media item is in its life. Stored as lower-case text (the same words the API answers with), and shared by the
/// Api, which owns the schema, and the Worker, which moves items along.
/// </summary>
public enum MediaStatus
{
    /// <summary>Created; the client has an upload URL but has not confirmed the upload.</summary>
    Pending,

    /// <summary>The bytes are in the bucket with the declared size; a message asks the Worker to process them.</summary>
    Uploaded,

    /// <summary>The Worker is making thumbnails or reading metadata.</summary>
    Processing,

    /// <summary>Done: metadata recorded, thumbnails stored (for images).</summary>
    Ready,

    /// <summary>The file could not be processed; <c>failure_reason</c> says why. Final: retrying would fail the same way.</summary>
    Failed,
}

/// <summary>
/// The batch status read (<c>GET /api/media/status?ids=…</c>) the pages poll while items are being processed: one call
/// for every item a page waits on. The Api refuses more ids than this; Web asks for no more.
/// </summary>
public static class MediaStatusBatch
{
    public const int MaxIds = 60;
}

public static class MediaStatusText
{
    public static string ToText(this MediaStatus status) => status switch
    {
        MediaStatus.Pending => "pending",
        MediaStatus.Uploaded => "uploaded",
        MediaStatus.Processing => "processing",
        MediaStatus.Ready => "ready",
        MediaStatus.Failed => "failed",
        _ => throw new ArgumentOutOfRangeException(nameof(status), status, null),
    };

    public static MediaStatus Parse(string text) =>
        TryParse(text) ?? throw new ArgumentOutOfRangeException(nameof(text), text, "Unknown media status.");

    /// <summary>The status <paramref name="text"/> names, or null for a word this version does not know.</summary>
    public static MediaStatus? TryParse(string? text) => text switch
    {
        "pending" => MediaStatus.Pending,
        "uploaded" => MediaStatus.Uploaded,
        "processing" => MediaStatus.Processing,
        "ready" => MediaStatus.Ready,
        "failed" => MediaStatus.Failed,
        _ => null,
    };
}
