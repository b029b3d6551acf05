namespace Platform.Media;

/// <summary>
/// Signed read URLs are made per time window (<c>MediaDelivery:UrlWindow</c>): every request within one window gets
/// byte-identical URLs, so browsers and the edge can cache what they point at, and responses that carry them can have
/// stable ETags. A URL made in window <c>[Start, Start + Length)</c> expires at <c>Start + 2·Length</c>: whenever it is
/// handed out, it stays valid for at least one window and at most two.
/// <para>
/// Shared by the Api (which signs) and the Worker (which stores thumbnails with <c>Cache-Control: max-age</c> of one
/// window, so a browser's copy never outlives an item's deletion by more than that).
/// </para>
/// </summary>
public readonly record struct UrlWindow(DateTimeOffset Start, TimeSpan Length)
{
    public const string SectionName = "MediaDelivery";
    public const string LengthKey = "MediaDelivery:UrlWindow";

    /// <summary>The default window: long enough for a gallery to stay cached across visits, short enough for a leaked URL.</summary>
    public static readonly TimeSpan DefaultLength = TimeSpan.FromHours(1);

    /// <summary>Windows are aligned to the Unix epoch, so every process (and every Api instance) agrees on them.</summary>
    public static UrlWindow At(DateTimeOffset now, TimeSpan length)
    {
        var ticks = now.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks;
        var start = ticks - ticks % length.Ticks;
        return new UrlWindow(new DateTimeOffset(DateTimeOffset.UnixEpoch.UtcTicks + start, TimeSpan.Zero), length);
    }

    /// <summary>The window's number since the epoch: part of every cache key whose value holds URLs of this window.</summary>
    public long Index => (Start - DateTimeOffset.UnixEpoch).Ticks / Length.Ticks;

    public DateTimeOffset End => Start + Length;

    /// <summary>When URLs signed in this window expire: one window after it ends.</summary>
    public DateTimeOffset ExpiresAt => Start + 2 * Length;

    /// <summary>
    /// <c>Cache-Control</c> of objects whose keys never change content (thumbnails and previews): kept privately (the URL
    /// is the user's), never revalidated, for one window.
    /// </summary>
    public static string ImmutableCacheControl(TimeSpan length) =>
        $"private, max-age={(long)length.TotalSeconds}, immutable";
}
