using Platform.Worker.Features.Media;

namespace Platform.Worker.Tests;

public sealed class PdfInspectorTests : IDisposable
{
    private static readonly PdfInspector Inspector = TestFiles.PdfInspector(new MediaProcessingOptions());
    private readonly TestFiles _files = new();

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public async Task The_page_count_of_a_pdf_is_read(int pages)
    {
        var path = _files.Write("document.pdf", TestFiles.Pdf(pages));

        Assert.Equal(pages, await Inspector.CountPagesAsync(path, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task A_file_that_is_not_a_pdf_is_refused()
    {
        var path = _files.Write("not.pdf", "just some text, no PDF at all"u8.ToArray());

        var error = await Assert.ThrowsAsync<MediaRejectedException>(() => Inspector.CountPagesAsync(path, TestContext.Current.CancellationToken));

        Assert.Equal("The file is not a PDF as declared.", error.Message);
    }

    [Fact]
    public async Task A_damaged_pdf_is_refused()
    {
        var path = _files.Write("damaged.pdf", "%PDF-1.4\n1 0 obj\n<< /Type /Catalog"u8.ToArray());

        var error = await Assert.ThrowsAsync<MediaRejectedException>(() => Inspector.CountPagesAsync(path, TestContext.Current.CancellationToken));

        Assert.Equal("The PDF is damaged and cannot be read.", error.Message);
    }

    public void Dispose() => _files.Dispose();
}
