using Microsoft.Playwright;

namespace Platform.Integration.Tests.Browser;

/// <summary>Real files for uploads, made in the test: images drawn by the browser's own canvas, a minimal PDF.</summary>
public static class TestFiles
{
    /// <summary>A JPEG or PNG of the given size with a gradient, encoded by Chromium (canvas.toDataURL).</summary>
    public static async Task<FilePayload> ImageAsync(IPage page, string name, string mimeType, int width, int height)
    {
        var dataUrl = await page.EvaluateAsync<string>(@"([w, h, type]) => {
            const canvas = document.createElement('canvas');
            canvas.width = w; canvas.height = h;
            const g = canvas.getContext('2d');
            const gradient = g.createLinearGradient(0, 0, w, h);
            gradient.addColorStop(0, '#1d4ed8'); gradient.addColorStop(1, '#f59e0b');
            g.fillStyle = gradient; g.fillRect(0, 0, w, h);
            g.fillStyle = '#fff'; g.font = `${Math.floor(h / 5)}px sans-serif`; g.fillText('Platform', w / 10, h / 2);
            return canvas.toDataURL(type, 0.9);
        }", new object[] { width, height, mimeType });
        return new FilePayload { Name = name, MimeType = mimeType, Buffer = Convert.FromBase64String(dataUrl[(dataUrl.IndexOf(',') + 1)..]) };
    }

    /// <summary>A valid PDF with the given number of blank pages.</summary>
    public static FilePayload Pdf(string name, int pages) =>
        new() { Name = name, MimeType = "application/pdf", Buffer = TestMedia.Pdf(pages) };
}
