namespace Platform.Media;

/// <summary>
/// The types of file the system takes: the Api accepts uploads of these and no others, and the Worker knows how to read
/// each of them (images through <c>ImageThumbnailer</c>, PDFs through <c>PdfInspector</c>).
/// </summary>
public static class MediaContentTypes
{
    public const string Jpeg = "image/jpeg";
    public const string Png = "image/png";
    public const string Webp = "image/webp";
    public const string Gif = "image/gif";
    public const string Pdf = "application/pdf";

    /// <summary>The images: thumbnails are made of these.</summary>
    public static readonly IReadOnlySet<string> Images = new HashSet<string>(StringComparer.Ordinal) { Jpeg, Png, Webp, Gif };

    /// <summary>Everything a client may upload, in the order the Api lists them when it refuses another type.</summary>
    public static readonly IReadOnlySet<string> Accepted = new HashSet<string>(StringComparer.Ordinal) { Jpeg, Png, Webp, Gif, Pdf };
}
