using System.Text;
using NetVips;
using Platform.Worker.Features.Media;

namespace Platform.Worker.Tests;

/// <summary>
/// Files an attacker uploads to reach the Worker's native decoders: mislabelled formats whose parsers we never meant to
/// run, images that take too long, PDFs built to exhaust the parser. Each is refused as a failed item, and nothing else
/// (the process, the next job) is disturbed.
/// </summary>
public sealed class HostileFileTests : IDisposable
{
    private readonly TestFiles _files = new();
    private readonly ImageThumbnailer _thumbnailer = new(new MediaProcessingOptions());

    /// <summary>Formats libvips can parse that the Api never accepts: their loaders must not be reachable at all.</summary>
    public static TheoryData<string> OtherFormats() => ["tiff", "svg", "avif"];

    [Theory]
    [MemberData(nameof(OtherFormats))]
    public void A_file_of_a_format_the_api_never_accepts_is_refused_before_any_parser_sees_it(string format)
    {
        var path = _files.Write($"really-{format}.png", OtherFormat(format));

        var error = Assert.Throws<MediaRejectedException>(() => _thumbnailer.Process(path, "image/png"));

        Assert.Equal("The file is not a PNG as declared.", error.Message);
    }

    [Theory]
    [MemberData(nameof(OtherFormats))]
    public void No_loader_but_the_four_image_formats_is_reachable_in_the_worker(string format)
    {
        // Even a caller that forgot to check the signature cannot reach another parser: the Worker blocks every libvips
        // loader except JPEG, PNG, WebP and GIF once the thumbnailer exists.
        GC.KeepAlive(_thumbnailer);
        var bytes = OtherFormat(format);

        Assert.ThrowsAny<VipsException>(() =>
        {
            using var image = Image.NewFromBuffer(bytes);
            image.Avg();
        });
    }

    [Fact]
    public void A_pdf_labelled_png_is_read_by_no_loader_at_all()
    {
        var path = _files.Write("really-a-pdf.png", TestFiles.Pdf(1));

        var error = Assert.Throws<MediaRejectedException>(() => _thumbnailer.Process(path, "image/png"));

        Assert.Equal("The file is not a PNG as declared.", error.Message);
    }

    [Fact]
    public void A_png_labelled_jpeg_is_read_by_no_loader_at_all()
    {
        using var image = TestFiles.HalfWhite(64, 64);
        var path = _files.Write("really-a-png.jpg", image.PngsaveBuffer());

        var error = Assert.Throws<MediaRejectedException>(() => _thumbnailer.Process(path, "image/jpeg"));

        Assert.Equal("The file is not a JPEG as declared.", error.Message);
    }

    [Fact]
    public void A_truncated_png_is_refused()
    {
        using var image = TestFiles.HalfWhite(800, 600);
        var bytes = image.PngsaveBuffer();
        var path = _files.Write("truncated.png", bytes[..(bytes.Length / 3)]);

        var error = Assert.Throws<MediaRejectedException>(() => _thumbnailer.Process(path, "image/png"));

        Assert.Contains("damaged or incomplete", error.Message);
    }

    [Fact]
    public void A_deep_image_within_the_pixel_limit_is_refused_by_its_decoded_size()
    {
        // 16-bit RGBA: 8 bytes a pixel. A 4 MiB limit admits 1 megapixel of 8-bit RGBA but not 0.6 of 16-bit RGBA.
        var limited = new ImageThumbnailer(new MediaProcessingOptions { MaxDecodedBytes = 4L * 1024 * 1024 });
        using var deep = (Image.Black(1000, 600, bands: 4) + 1000).Cast(Enums.BandFormat.Ushort).Copy(interpretation: Enums.Interpretation.Rgb16);
        var path = _files.Write("deep.png", deep.PngsaveBuffer());

        var error = Assert.Throws<MediaRejectedException>(() => limited.Process(path, "image/png"));

        Assert.Equal("The image needs 4.6 MiB to decode, more than the limit of 4 MiB.", error.Message);
    }

    [Fact]
    public void An_image_that_takes_longer_than_the_time_limit_is_stopped_and_refused()
    {
        var slow = new ImageThumbnailer(new MediaProcessingOptions { MaxProcessingTime = TimeSpan.FromMilliseconds(1) });
        using var image = TestFiles.HalfWhite(6000, 4000);
        var path = _files.Write("large.png", image.PngsaveBuffer(compression: 1));

        var error = Assert.Throws<MediaRejectedException>(() => slow.Process(path, "image/png"));

        Assert.Equal("Reading the image took longer than the limit of 1 ms; it was stopped.", error.Message);
        // The thumbnailer is not left in a broken state: the next job works.
        using var next = TestFiles.HalfWhite(100, 100);
        Assert.Equal(100, _thumbnailer.Process(_files.Write("next.png", next.PngsaveBuffer()), "image/png").Width);
    }

    [Fact]
    public async Task A_pdf_nested_deeper_than_any_document_needs_fails_the_item_without_harming_the_worker()
    {
        // 200,000 nested arrays: a recursive parser overflows its stack, which no catch block survives in .NET.
        var depth = 200_000;
        var body = new StringBuilder("%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R /Nest ");
        body.Append('[', depth).Append(']', depth).Append(" >>\nendobj\n");
        body.Append("2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n");
        var path = _files.Write("nested.pdf", Encoding.ASCII.GetBytes(body.ToString()));

        var error = await Assert.ThrowsAsync<MediaRejectedException>(() => Inspector().CountPagesAsync(path, TestContext.Current.CancellationToken));

        Assert.StartsWith("The PDF", error.Message);
        Assert.Equal(3, await Inspector().CountPagesAsync(_files.Write("after.pdf", TestFiles.Pdf(3)), TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task A_pdf_whose_page_tree_loops_is_stopped_by_the_time_limit_or_refused()
    {
        // The page tree's only kid is the tree itself.
        var body = "%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n2 0 obj\n<< /Type /Pages /Kids [2 0 R] /Count 1 >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n";
        var path = _files.Write("loop.pdf", Encoding.ASCII.GetBytes(body));

        var error = await Assert.ThrowsAsync<MediaRejectedException>(() => Inspector().CountPagesAsync(path, TestContext.Current.CancellationToken));

        Assert.StartsWith("The PDF", error.Message);
    }

    [Fact]
    public async Task A_pdf_inspection_past_its_time_is_stopped()
    {
        var inspector = TestFiles.PdfInspector(new MediaProcessingOptions { MaxProcessingTime = TimeSpan.FromMilliseconds(1) });
        var path = _files.Write("document.pdf", TestFiles.Pdf(3));

        var error = await Assert.ThrowsAsync<MediaRejectedException>(() => inspector.CountPagesAsync(path, TestContext.Current.CancellationToken));

        Assert.Equal("Reading the PDF took longer than the limit of 1 ms; it was stopped.", error.Message);
    }

    private static PdfInspector Inspector() => TestFiles.PdfInspector(new MediaProcessingOptions());

    private static byte[] OtherFormat(string format)
    {
        using var image = TestFiles.HalfWhite(32, 32);
        return format switch
        {
            "tiff" => image.TiffsaveBuffer(),
            "avif" => image.HeifsaveBuffer(compression: Enums.ForeignHeifCompression.Av1),
            "svg" => Encoding.ASCII.GetBytes(
                "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"32\" height=\"32\"><rect width=\"32\" height=\"32\"/></svg>"),
            _ => throw new ArgumentOutOfRangeException(nameof(format)),
        };
    }

    public void Dispose() => _files.Dispose();
}
