using UglyToad.PdfPig;

namespace Platform.Worker.Features.Media;

/// <summary>Reads a PDF's page count with PdfPig. PDFs get no thumbnail: rendering pages needs a PDF renderer we do not ship.</summary>
public static class PdfInspector
{
    public static int CountPages(string path)
    {
        using (var file = File.OpenRead(path))
        {
            Span<byte> magic = stackalloc byte[5];
            if (file.ReadAtLeast(magic, magic.Length, throwOnEndOfStream: false) < magic.Length || !magic.SequenceEqual("%PDF-"u8))
            {
                throw new MediaRejectedException("The file is not a PDF as declared.");
            }
        }

        try
        {
            using var document = PdfDocument.Open(path);
            return document.NumberOfPages > 0
                ? document.NumberOfPages
                : throw new MediaRejectedException("The PDF has no pages.");
        }
        catch (Exception ex) when (ex is not MediaRejectedException and not OutOfMemoryException)
        {
            throw new MediaRejectedException("The PDF is damaged and cannot be read.", ex);
        }
    }
}
