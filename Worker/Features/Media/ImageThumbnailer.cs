using NetVips;
using Platform.Media;
using Platform.Messaging;

namespace Platform.Worker.Features.Media;

/// <summary>What an image turned out to be: its upright size and its two WebP thumbnails.</summary>
public sealed record ImageResult(int Width, int Height, byte[] SmallThumbnail, byte[] LargeThumbnail);

/// <summary>
/// Reads an image with libvips (NetVips) and makes the thumbnails: fitted inside 320×320 and 1280×1280 (aspect kept,
/// never enlarged), turned upright by the EXIF orientation, saved as WebP without any metadata. The header is checked
/// before any pixel is decoded, so a decompression bomb costs nothing.
/// </summary>
public sealed class ImageThumbnailer(MediaProcessingOptions options)
{
    private static readonly Dictionary<string, string> Loaders = new(StringComparer.Ordinal)
    {
        [MediaContentTypes.Jpeg] = "jpegload",
        [MediaContentTypes.Png] = "pngload",
        [MediaContentTypes.Webp] = "webpload",
        [MediaContentTypes.Gif] = "gifload",
    };

    static ImageThumbnailer()
    {
        // Every file is read once: libvips's operation cache would only hold memory.
        Cache.Max = 0;
    }

    public static bool CanProcess(string contentType) => Loaders.ContainsKey(contentType);

    public ImageResult Process(string path, string declaredContentType)
    {
        if (!Loaders.TryGetValue(declaredContentType, out var expectedLoader))
        {
            throw new MediaRejectedException($"'{declaredContentType}' is not an image type the Worker reads.");
        }

        int width, height;
        try
        {
            // Opening reads the header only; pixels are decoded later, by the thumbnail operations.
            using var header = Image.NewFromFile(path, access: Enums.Access.Sequential);
            var loader = header.Contains("vips-loader") ? header.Get("vips-loader") as string : null;
            if (!string.Equals(FormatOf(loader), FormatOf(expectedLoader), StringComparison.Ordinal))
            {
                throw new MediaRejectedException($"The file is not a {Describe(expectedLoader)} as declared, but {Describe(loader)}.");
            }

            if ((long)header.Width * header.Height > options.MaxPixels)
            {
                throw new MediaRejectedException(
                    $"The image is {header.Width}×{header.Height} pixels, more than the limit of {options.MaxPixels} pixels.");
            }

            (width, height) = IsQuarterTurn(header) ? (header.Height, header.Width) : (header.Width, header.Height);
        }
        catch (VipsException ex)
        {
            throw new MediaRejectedException("The file is not a readable image.", ex);
        }

        try
        {
            // The large thumbnail is decoded from the file (libvips shrinks JPEGs while decoding); the small one is made
            // from the large one in memory, so the file is decoded once. FailOn.Error refuses truncated or corrupt data
            // instead of returning an image with grey where the data ended.
            using var large = Image.Thumbnail(path, MediaObjectKeys.LargeThumbnailSize, height: MediaObjectKeys.LargeThumbnailSize,
                size: Enums.Size.Down, failOn: Enums.FailOn.Error);
            using var largeInMemory = large.CopyMemory();
            using var small = largeInMemory.ThumbnailImage(MediaObjectKeys.SmallThumbnailSize, height: MediaObjectKeys.SmallThumbnailSize,
                size: Enums.Size.Down);
            return new ImageResult(width, height, Webp(small), Webp(largeInMemory));
        }
        catch (VipsException ex)
        {
            throw new MediaRejectedException("The image data is damaged or incomplete.", ex);
        }
    }

    private byte[] Webp(Image image) => image.WebpsaveBuffer(q: options.WebpQuality, keep: Enums.ForeignKeep.None);

    /// <summary>Orientations 5–8 turn the image by a quarter: its upright width is its stored height.</summary>
    private static bool IsQuarterTurn(Image image) =>
        image.Contains("orientation") && image.Get("orientation") is int orientation && orientation is >= 5 and <= 8;

    /// <summary>"jpegload_source" and "jpegload" are the same format.</summary>
    private static string? FormatOf(string? loader) => loader?.Split('_')[0];

    private static string Describe(string? loader) => FormatOf(loader) switch
    {
        "jpegload" => "JPEG",
        "pngload" => "PNG",
        "webpload" => "WebP",
        "gifload" => "GIF",
        null => "an unknown format",
        var other => $"another format ({other.Replace("load", "", StringComparison.Ordinal)})",
    };
}
