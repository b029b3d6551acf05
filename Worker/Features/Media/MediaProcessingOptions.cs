using System.ComponentModel.DataAnnotations;
using Platform.Media;

namespace Platform.Worker.Features.Media;

/// <summary>Limits of media processing (section <c>MediaProcessing</c>), validated at start.</summary>
public sealed class MediaProcessingOptions
{
    public const string SectionName = "MediaProcessing";

    /// <summary>
    /// Images with more pixels than this are refused before any pixel is decoded: a small file can declare a huge image
    /// (a decompression bomb). 100 megapixels covers any camera; raise it deliberately.
    /// </summary>
    [Range(1, 1_000_000_000, ErrorMessage = "MediaProcessing:MaxPixels must be between 1 and 1000000000.")]
    public long MaxPixels { get; set; } = 100_000_000;

    /// <summary>
    /// The largest original the Worker downloads: the Api's upload limit, read from the same key
    /// (<c>Media:MaxUploadBytes</c>, which the AppHost passes to both). Bound separately from this section, see MediaExtensions.
    /// </summary>
    [Range(1, MediaLimits.MaxSinglePutBytes, ErrorMessage = "Media:MaxUploadBytes must be between 1 and 5 GiB (S3's single PUT limit).")]
    public long MaxUploadBytes { get; set; } = MediaLimits.DefaultMaxUploadBytes;

    /// <summary>
    /// The Api's signed-URL window (<c>MediaDelivery:UrlWindow</c>, read from the same key): thumbnails are stored with
    /// <c>Cache-Control: private, max-age</c> of one window. Bound separately from this section, see MediaExtensions.
    /// </summary>
    [Range(typeof(TimeSpan), "00:01:00", "1.00:00:00", ErrorMessage = "MediaDelivery:UrlWindow must be between 1 minute and 1 day.")]
    public TimeSpan UrlWindow { get; set; } = Platform.Media.UrlWindow.DefaultLength;

    /// <summary>
    /// The most memory one image may take decoded (pixels × bands × bytes per sample), checked from its header like
    /// <see cref="MaxPixels"/>. 400 MiB is 100 megapixels of 8-bit RGBA. What all jobs decode together is bounded by
    /// <see cref="MaxProcessingMemoryBytes"/>.
    /// </summary>
    [Range(1024 * 1024, 16L * 1024 * 1024 * 1024, ErrorMessage = "MediaProcessing:MaxDecodedBytes must be between 1 MiB and 16 GiB.")]
    public long MaxDecodedBytes { get; set; } = 400L * 1024 * 1024;

    /// <summary>
    /// The memory all jobs of one Worker may decode into at once (<see cref="ProcessingMemoryBudget"/>): each image
    /// reserves its decoded size and what its job holds beside it, each PDF <see cref="MaxPdfMemoryBytes"/> and its
    /// reader's runtime, and waits while the running jobs leave too little room; a job needing more than the whole budget
    /// runs alone. The default equals <see cref="MaxDecodedBytes"/>: the largest image allowed runs alone, many small ones
    /// run together. Size it with the task: the Worker itself holds about 250–270 MB resident under load, so the dev
    /// task's 704 MiB container leaves about 430 MiB for this.
    /// </summary>
    [Range(16L * 1024 * 1024, 64L * 1024 * 1024 * 1024, ErrorMessage = "MediaProcessing:MaxProcessingMemoryBytes must be between 16 MiB and 64 GiB.")]
    public long MaxProcessingMemoryBytes { get; set; } = 400L * 1024 * 1024;

    /// <summary>
    /// How long one file may take to read (an image's thumbnails, a PDF's page count). A job past it is stopped and the
    /// item fails, so a file built to be slow holds a Worker for at most this long.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "00:30:00", ErrorMessage = "MediaProcessing:MaxProcessingTime must be between 1 millisecond and 30 minutes.")]
    public TimeSpan MaxProcessingTime { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// The managed memory the PDF reader may use (it runs in a child process with this GC heap limit): a PDF built to
    /// exhaust memory fails its item, not the Worker.
    /// </summary>
    [Range(16L * 1024 * 1024, 4L * 1024 * 1024 * 1024, ErrorMessage = "MediaProcessing:MaxPdfMemoryBytes must be between 16 MiB and 4 GiB.")]
    public long MaxPdfMemoryBytes { get; set; } = 256L * 1024 * 1024;

    /// <summary>WebP quality of the thumbnails.</summary>
    [Range(1, 100, ErrorMessage = "MediaProcessing:WebpQuality must be between 1 and 100.")]
    public int WebpQuality { get; set; } = 80;

    /// <summary>A limit as people say it: "1 ms", "30 s", "2 min".</summary>
    public static string Describe(TimeSpan limit) => limit switch
    {
        { TotalSeconds: < 1 } => $"{limit.TotalMilliseconds:0} ms",
        { TotalMinutes: < 1 } => $"{limit.TotalSeconds:0.#} s",
        _ => $"{limit.TotalMinutes:0.#} min",
    };
}
