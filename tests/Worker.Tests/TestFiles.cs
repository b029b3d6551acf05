using NetVips;
using Platform.Worker.Features.Media;

namespace Platform.Worker.Tests;

/// <summary>Files made in code for each test, in a folder of their own that is removed afterwards.</summary>
public sealed class TestFiles : IDisposable
{
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("platform-worker-tests-");

    public string Write(string name, byte[] bytes)
    {
        var path = Path.Combine(_folder.FullName, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    /// <summary>
    /// A <paramref name="width"/>×<paramref name="height"/> RGB image whose left half is white and right half black, so
    /// where the white ends up shows how the image was turned.
    /// </summary>
    public static Image HalfWhite(int width, int height)
    {
        using var left = Image.Black(width / 2, height, bands: 3) + 255;
        using var right = Image.Black(width - width / 2, height, bands: 3);
        using var joined = left.Join(right, Enums.Direction.Horizontal);
        return joined.Cast(Enums.BandFormat.Uchar);
    }

    public static byte[] Jpeg(Image image, int? orientation = null)
    {
        if (orientation is null)
        {
            return image.JpegsaveBuffer(q: 90);
        }

        // libvips writes the "orientation" field into the EXIF block it saves.
        using var oriented = image.Mutate(m => m.Set(GValue.GIntType, "orientation", orientation.Value));
        return oriented.JpegsaveBuffer(q: 90);
    }

    /// <summary>A minimal, valid PDF with <paramref name="pages"/> empty pages (cross-reference offsets computed).</summary>
    public static byte[] Pdf(int pages) => Platform.Tests.Shared.SamplePdf.Create(pages);

    /// <summary>A PDF reader as the Worker builds it, with a memory budget of its own.</summary>
    public static PdfInspector PdfInspector(MediaProcessingOptions options) =>
        new(options, new ProcessingMemoryBudget(options));

    public void Dispose() => _folder.Delete(recursive: true);
}
