using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using UglyToad.PdfPig;

namespace Platform.Worker.Features.Media;

/// <summary>
/// Reads a PDF's page count with PdfPig. PDFs get no thumbnail: rendering pages needs a PDF renderer we do not ship.
/// </summary>
/// <remarks>
/// The parse runs in a child process (this same Worker assembly, started with <see cref="ChildCommand"/>), because a
/// PDF built to hurt can do what no catch block survives: a deep enough nesting overflows the parser's stack, which ends
/// the .NET process, and a page tree that loops or a stream that inflates without end runs on with no way to cancel
/// PdfPig. The child has a GC heap limit and a deadline; past the deadline it is killed, so the job is really stopped,
/// and whatever happens to it fails only this item.
/// </remarks>
public sealed class PdfInspector(MediaProcessingOptions options, ProcessingMemoryBudget memory)
{
    /// <summary>What the child needs beside its GC heap: the runtime and PdfPig's code, about 60 MB resident.</summary>
    private const long ChildRuntimeBytes = 64L * 1024 * 1024;

    /// <summary>The Worker's command line for the child: <c>inspect-pdf PATH</c>.</summary>
    public const string ChildCommand = "inspect-pdf";

    private const string PagesLine = "pages ";
    private const string RejectedLine = "rejected ";

    public async Task<int> CountPagesAsync(string path, CancellationToken cancellationToken)
    {
        using (var file = File.OpenRead(path))
        {
            var magic = new byte[5];
            if (await file.ReadAtLeastAsync(magic, magic.Length, throwOnEndOfStream: false, cancellationToken) < magic.Length
                || !magic.AsSpan().SequenceEqual("%PDF-"u8))
            {
                throw new MediaRejectedException("The file is not a PDF as declared.");
            }
        }

        // Only a file that starts as a PDF waits for room in the Worker's memory budget.
        using var reserved = await memory.ReserveAsync(options.MaxPdfMemoryBytes + ChildRuntimeBytes, cancellationToken);
        using var child = Process.Start(ChildStartInfo(path))
            ?? throw new InvalidOperationException("The PDF reader process could not be started.");
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(options.MaxProcessingTime);
        var output = child.StandardOutput.ReadToEndAsync(deadline.Token);
        var errors = child.StandardError.ReadToEndAsync(deadline.Token);
        try
        {
            await child.WaitForExitAsync(deadline.Token);
            await Task.WhenAll(output, errors);
        }
        catch (OperationCanceledException)
        {
            child.Kill(entireProcessTree: true);
            cancellationToken.ThrowIfCancellationRequested();
            throw new MediaRejectedException(
                $"Reading the PDF took longer than the limit of {MediaProcessingOptions.Describe(options.MaxProcessingTime)}; it was stopped.");
        }

        var line = (await output).Trim();
        if (child.ExitCode == 0 && line.StartsWith(PagesLine, StringComparison.Ordinal)
            && int.TryParse(line.AsSpan(PagesLine.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var pages))
        {
            return pages;
        }

        if (child.ExitCode == 0 && line.StartsWith(RejectedLine, StringComparison.Ordinal))
        {
            throw new MediaRejectedException(line[RejectedLine.Length..]);
        }

        // A stack overflow or the heap limit ended the child: the document is built to exhaust the reader.
        throw new MediaRejectedException("The PDF is too deeply nested or too large to read.",
            new InvalidOperationException($"The PDF reader exited with {child.ExitCode}: {Last((await errors).Trim(), 500)}"));
    }

    /// <summary>The child's work: parse, print one line (<c>pages N</c> or <c>rejected REASON</c>), exit 0.</summary>
    public static int RunChild(string path, TextWriter output)
    {
        try
        {
            using var document = PdfDocument.Open(path);
            var pages = document.NumberOfPages;
            output.WriteLine(pages > 0 ? $"{PagesLine}{pages.ToString(CultureInfo.InvariantCulture)}" : $"{RejectedLine}The PDF has no pages.");
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            output.WriteLine($"{RejectedLine}The PDF is damaged and cannot be read.");
        }

        return 0;
    }

    private ProcessStartInfo ChildStartInfo(string path)
    {
        // The child is this Worker assembly run by the same runtime: `dotnet exec Worker.dll inspect-pdf PATH`. The muxer
        // sits three folders above the runtime's own (…/shared/Microsoft.NETCore.App/VERSION/).
        var dotnet = Path.GetFullPath(Path.Combine(RuntimeEnvironment.GetRuntimeDirectory(), "..", "..", "..",
            OperatingSystem.IsWindows() ? "dotnet.exe" : "dotnet"));
        // A self-contained publish has no muxer: its own executable beside the assembly starts the same code.
        var worker = typeof(PdfInspector).Assembly.Location;
        var selfContained = !File.Exists(dotnet);
        var info = new ProcessStartInfo(selfContained ? Path.ChangeExtension(worker, OperatingSystem.IsWindows() ? ".exe" : null) : dotnet)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (!selfContained)
        {
            info.ArgumentList.Add("exec");
            info.ArgumentList.Add("--runtimeconfig");
            info.ArgumentList.Add(Path.ChangeExtension(worker, ".runtimeconfig.json"));
            info.ArgumentList.Add(worker);
        }

        info.ArgumentList.Add(ChildCommand);
        info.ArgumentList.Add(path);
        // The child reads one file: a small heap limit, one GC heap, nothing of the parent's telemetry or configuration.
        info.Environment["DOTNET_GCHeapHardLimit"] = options.MaxPdfMemoryBytes.ToString("X", CultureInfo.InvariantCulture);
        info.Environment["DOTNET_gcServer"] = "0";
        info.Environment["DOTNET_TieredPGO"] = "0";
        return info;
    }

    private static string Last(string text, int length) => text.Length <= length ? text : text[^length..];
}
