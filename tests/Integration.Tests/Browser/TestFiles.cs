using System.Text;
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
    public static FilePayload Pdf(string name, int pages)
    {
        var objects = new List<string>
        {
            "<< /Type /Catalog /Pages 2 0 R >>",
            $"<< /Type /Pages /Kids [{string.Join(" ", Enumerable.Range(0, pages).Select(i => $"{3 + i} 0 R"))}] /Count {pages} >>",
        };
        objects.AddRange(Enumerable.Range(0, pages).Select(_ => "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>"));

        var pdf = new StringBuilder("%PDF-1.4\n");
        var offsets = new List<int>();
        for (var i = 0; i < objects.Count; i++)
        {
            offsets.Add(Encoding.ASCII.GetByteCount(pdf.ToString()));
            pdf.Append($"{i + 1} 0 obj\n{objects[i]}\nendobj\n");
        }

        var xref = Encoding.ASCII.GetByteCount(pdf.ToString());
        pdf.Append($"xref\n0 {objects.Count + 1}\n0000000000 65535 f \n");
        foreach (var offset in offsets)
        {
            pdf.Append($"{offset:D10} 00000 n \n");
        }

        pdf.Append($"trailer\n<< /Size {objects.Count + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n");
        return new FilePayload { Name = name, MimeType = "application/pdf", Buffer = Encoding.ASCII.GetBytes(pdf.ToString()) };
    }
}
