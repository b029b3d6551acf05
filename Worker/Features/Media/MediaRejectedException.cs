namespace Platform.Worker.Features.Media;

/// <summary>
/// The file itself is the problem (not an image, truncated, too many pixels, another type than declared): processing it
/// again would fail the same way, so the item becomes <c>failed</c> with this message and the message is not retried.
/// </summary>
public sealed class MediaRejectedException(string reason, Exception? inner = null) : Exception(reason, inner);
