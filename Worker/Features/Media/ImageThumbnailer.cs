using System.Diagnostics;
using NetVips;
using Platform.Media;
using Platform.Messaging;

namespace Platform.Worker.Features.Media;

/// <summary>What an image turned out to be: its upright size and its two WebP thumbnails.</summary>
public sealed record ImageResult(int Width, int Height, byte[] SmallThumbnail, byte[] LargeThumbnail);

/// <summary>
/// What an image's header says before any pixel is decoded: its upright size, the memory its decode takes, and the
/// memory its whole job holds (<see cref="ImageThumbnailer.JobOverheadBytes"/> on top of the decode).
/// </summary>
public sealed record ImageHeader(int Width, int Height, long DecodedBytes)
{
    public long MemoryBytes => DecodedBytes + ImageThumbnailer.JobOverheadBytes;
}

/// <summary>
/// Reads an image with libvips (NetVips) and makes the thumbnails: fitted inside 320×320 and 1280×1280 (aspect kept,
/// never enlarged), turned upright by the EXIF orientation, saved as WebP without any metadata. The header is checked
/// before any pixel is decoded, so a decompression bomb costs nothing.
/// </summary>
public sealed class ImageThumbnailer(MediaProcessingOptions options)
{
    /// <summary>Each accepted type, the file signature it must start with, and the one libvips loader that reads it.</summary>
    private static readonly Dictionary<string, ImageFormat> Formats = new(StringComparer.Ordinal)
    {
        [MediaContentTypes.Jpeg] = new("JPEG", "VipsForeignLoadJpeg", Signature: [[0xFF, 0xD8, 0xFF]]),
        [MediaContentTypes.Png] = new("PNG", "VipsForeignLoadPng", Signature: [[0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]]),
        [MediaContentTypes.Webp] = new("WebP", "VipsForeignLoadWebp", Signature: [[.. "RIFF"u8], [], [.. "WEBP"u8]]),
        [MediaContentTypes.Gif] = new("GIF", "VipsForeignLoadNsgif", Signature: [[.. "GIF8"u8]]),
    };

    static ImageThumbnailer()
    {
        // Every file is read once: libvips's operation cache would only hold memory.
        Cache.Max = 0;
        // Hostile files reach only the parsers of the four formats we accept: every other loader libvips ships (SVG,
        // TIFF, HEIF, PDF, Matlab, FITS, …) is blocked for the whole process, so neither a mislabelled file nor a format
        // sniffed by a later call can get to it. Untrusted operations (libvips's own marking) stay blocked too.
        NetVips.NetVips.BlockUntrusted = true;
        Operation.Block("VipsForeignLoad", true);
        foreach (var format in Formats.Values)
        {
            Operation.Block(format.Loader, false);
        }
    }

    /// <summary>
    /// What a job holds beside its decode: the large thumbnail kept in memory (1280×1280×4 bytes at most, 6.25 MiB), the
    /// two WebP encodes and libvips's tile buffers.
    /// </summary>
    public const long JobOverheadBytes = 16L * 1024 * 1024;

    public static bool CanProcess(string contentType) => Formats.ContainsKey(contentType);

    /// <summary>Checks the file and reads its header, then makes the thumbnails.</summary>
    public ImageResult Process(string path, string declaredContentType) => MakeThumbnails(path, ReadHeader(path, declaredContentType));

    /// <summary>
    /// Checks the file's signature against the declared type and reads its header only: refuses an image over the pixel
    /// or the decoded-memory limit before any pixel is decoded.
    /// </summary>
    public ImageHeader ReadHeader(string path, string declaredContentType)
    {
        if (!Formats.TryGetValue(declaredContentType, out var format))
        {
            throw new MediaRejectedException($"'{declaredContentType}' is not an image type the Worker reads.");
        }

        // The signature is checked by us before libvips opens the file, so a file of another format never reaches a
        // parser, not even to read its header.
        if (!format.Matches(path))
        {
            throw new MediaRejectedException($"The file is not a {format.Name} as declared.");
        }

        try
        {
            // Opening reads the header only; pixels are decoded later, by the thumbnail operations.
            using var header = Image.NewFromFile(path, access: Enums.Access.Sequential);
            if ((long)header.Width * header.Height > options.MaxPixels)
            {
                throw new MediaRejectedException(
                    $"The image is {header.Width}×{header.Height} pixels, more than the limit of {options.MaxPixels} pixels.");
            }

            // Pixels alone do not bound memory: a 100-megapixel 16-bit RGBA PNG decodes to 800 MB, and an interlaced
            // PNG or a GIF is decoded whole before it can be shrunk.
            var decodedBytes = (long)header.Width * header.Height * header.Bands * BytesPerSample(header.Format);
            if (decodedBytes > options.MaxDecodedBytes)
            {
                throw new MediaRejectedException(string.Create(System.Globalization.CultureInfo.InvariantCulture,
                    $"The image needs {decodedBytes / 1048576.0:0.#} MiB to decode, more than the limit of {options.MaxDecodedBytes / 1048576.0:0.#} MiB."));
            }

            var (width, height) = IsQuarterTurn(header) ? (header.Height, header.Width) : (header.Width, header.Height);
            return new ImageHeader(width, height, decodedBytes);
        }
        catch (VipsException ex)
        {
            throw new MediaRejectedException("The file is not a readable image.", ex);
        }
    }

    /// <summary>Decodes the image <see cref="ReadHeader"/> checked and makes its two thumbnails, within the time limit.</summary>
    public ImageResult MakeThumbnails(string path, ImageHeader header)
    {

        // A job past its time is stopped, not abandoned: libvips checks the kill flag the token sets between the tiles
        // it computes, so the decode really ends and its memory is freed.
        using var deadline = new CancellationTokenSource(options.MaxProcessingTime);
        // The token's timer can fire late on a busy machine (it runs on the thread pool): the elapsed time decides too.
        var started = Stopwatch.GetTimestamp();
        bool PastDeadline() => deadline.IsCancellationRequested || Stopwatch.GetElapsedTime(started) > options.MaxProcessingTime;
        try
        {
            // The large thumbnail is decoded from the file (libvips shrinks JPEGs while decoding); the small one is made
            // from the large one in memory, so the file is decoded once. FailOn.Error refuses truncated or corrupt data
            // instead of returning an image with grey where the data ended.
            using var large = Image.Thumbnail(path, MediaObjectKeys.LargeThumbnailSize, height: MediaObjectKeys.LargeThumbnailSize,
                size: Enums.Size.Down, failOn: Enums.FailOn.Error);
            large.SetProgress(NoProgress.Instance, deadline.Token);
            using var largeInMemory = large.CopyMemory();
            // The kill switch is checked between tiles; a decode that finished past its time is refused all the same.
            if (PastDeadline())
            {
                throw new VipsException("The processing time limit passed.");
            }

            using var small = largeInMemory.ThumbnailImage(MediaObjectKeys.SmallThumbnailSize, height: MediaObjectKeys.SmallThumbnailSize,
                size: Enums.Size.Down);
            return new ImageResult(header.Width, header.Height, Webp(small), Webp(largeInMemory));
        }
        catch (VipsException ex) when (PastDeadline())
        {
            throw new MediaRejectedException(
                $"Reading the image took longer than the limit of {MediaProcessingOptions.Describe(options.MaxProcessingTime)}; it was stopped.", ex);
        }
        catch (VipsException ex)
        {
            throw new MediaRejectedException("The image data is damaged or incomplete.", ex);
        }
    }

    private byte[] Webp(Image image) => image.WebpsaveBuffer(q: options.WebpQuality, keep: Enums.ForeignKeep.None);

    private static int BytesPerSample(Enums.BandFormat format) => format switch
    {
        Enums.BandFormat.Uchar or Enums.BandFormat.Char => 1,
        Enums.BandFormat.Ushort or Enums.BandFormat.Short => 2,
        Enums.BandFormat.Uint or Enums.BandFormat.Int or Enums.BandFormat.Float => 4,
        Enums.BandFormat.Double or Enums.BandFormat.Complex => 8,
        _ => 16,
    };

    /// <summary>Orientations 5–8 turn the image by a quarter: its upright width is its stored height.</summary>
    private static bool IsQuarterTurn(Image image) =>
        image.Contains("orientation") && image.Get("orientation") is int orientation && orientation is >= 5 and <= 8;

    /// <summary>
    /// A format we accept. <paramref name="Signature"/> is the file's first bytes in segments, an empty segment standing
    /// for four bytes that may be anything (WebP's RIFF size).
    /// </summary>
    private sealed record ImageFormat(string Name, string Loader, byte[][] Signature)
    {
        public bool Matches(string path)
        {
            var length = Signature.Sum(segment => segment.Length == 0 ? 4 : segment.Length);
            Span<byte> head = stackalloc byte[length];
            using (var file = File.OpenRead(path))
            {
                if (file.ReadAtLeast(head, length, throwOnEndOfStream: false) < length)
                {
                    return false;
                }
            }

            var offset = 0;
            foreach (var segment in Signature)
            {
                if (segment.Length == 0)
                {
                    offset += 4;
                    continue;
                }

                if (!head.Slice(offset, segment.Length).SequenceEqual(segment))
                {
                    return false;
                }

                offset += segment.Length;
            }

            return true;
        }
    }

    /// <summary>libvips reports progress only to attach the kill switch; nobody watches the percentages.</summary>
    private sealed class NoProgress : IProgress<int>
    {
        public static readonly NoProgress Instance = new();

        public void Report(int value)
        {
        }
    }
}
