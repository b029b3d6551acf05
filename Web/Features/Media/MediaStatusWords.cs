using System.Text.Json;
using Platform.Media;

namespace Platform.Web.Features.Media;

/// <summary>
/// How the pages speak of each <see cref="MediaStatus"/>: the words a person reads, and which statuses are still on their
/// way (a page keeps polling while an item is in one). The Razor pages use it directly; the scripts (wwwroot/js/gallery.js
/// and upload.js) read the same facts from the <c>data-media-statuses</c> attribute the pages render with
/// <see cref="ScriptJson"/> (Pages/Shared/_MediaStatuses.cshtml), so no status word is written twice.
/// </summary>
public static class MediaStatusWords
{
    public static string Describe(MediaStatus status) => status switch
    {
        MediaStatus.Pending => "Waiting for upload",
        MediaStatus.Uploaded => "Queued",
        MediaStatus.Processing => "Processing…",
        MediaStatus.Ready => "Ready",
        MediaStatus.Failed => "Could not be processed",
        _ => throw new ArgumentOutOfRangeException(nameof(status), status, null),
    };

    /// <summary>The words for a status as the Api sent it; a status a newer Api may send that this Web does not know is shown as sent.</summary>
    public static string Describe(string status) => MediaStatusText.TryParse(status) is { } known ? Describe(known) : status;

    /// <summary>Whether an item in <paramref name="status"/> is still being uploaded or processed (ready and failed are final).</summary>
    public static bool IsWaiting(MediaStatus status) => status is MediaStatus.Pending or MediaStatus.Uploaded or MediaStatus.Processing;

    /// <summary>
    /// What the scripts need, as JSON: <c>status</c> maps each status's name to the word the Api sends
    /// (<c>status.uploaded</c> is <c>MediaStatus.Uploaded.ToText()</c>), <c>words</c> maps the Api's word to what a person
    /// reads, <c>waiting</c> lists the statuses still on their way, <c>maxIds</c> is how many items one status poll may
    /// ask for.
    /// </summary>
    public static string ScriptJson { get; } = JsonSerializer.Serialize(new
    {
        status = Enum.GetValues<MediaStatus>().ToDictionary(s => JsonNamingPolicy.CamelCase.ConvertName(s.ToString()), s => s.ToText()),
        words = Enum.GetValues<MediaStatus>().ToDictionary(s => s.ToText(), s => Describe(s)),
        waiting = Enum.GetValues<MediaStatus>().Where(IsWaiting).Select(s => s.ToText()).ToArray(),
        maxIds = MediaStatusBatch.MaxIds,
    });
}
