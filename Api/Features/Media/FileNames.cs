using System.Text;
using Platform.Data;

namespace Platform.Api.Features.Media;

/// <summary>
/// Cleans a client's file name for storage and display. It is never used as a key or a path, but it ends up in headers
/// and pages: only the last path segment is kept, without control or bidi-override characters, at most 255 characters.
/// </summary>
public static class FileNames
{
    public static string Sanitize(string? fileName)
    {
        if (string.IsNullOrWhiteSpace(fileName))
        {
            return "";
        }

        var name = fileName[(fileName.LastIndexOfAny(['/', '\\']) + 1)..];
        var clean = new StringBuilder(name.Length);
        foreach (var c in name)
        {
            if (!char.IsControl(c) && c is not ('\u202A' or '\u202B' or '\u202C' or '\u202D' or '\u202E' or '\u2066' or '\u2067' or '\u2068' or '\u2069'))
            {
                clean.Append(c);
            }
        }

        var result = clean.ToString().Trim().Trim('.');
        if (result.Length > MediaItem.MaxFileNameLength)
        {
            result = result[..MediaItem.MaxFileNameLength];
            // Never cut a surrogate pair in half.
            if (char.IsHighSurrogate(result[^1]))
            {
                result = result[..^1];
            }
        }

        return result;
    }
}
