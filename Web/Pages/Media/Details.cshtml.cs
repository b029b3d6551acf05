using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Platform.Web.Features.Media;

namespace Platform.Web.Pages.Media;

public sealed class DetailsModel(MediaApiClient media) : PageModel
{
    public MediaItem? Item { get; private set; }

    public async Task<IActionResult> OnGetAsync(Guid id, CancellationToken ct)
    {
        var result = await media.GetAsync(id, ct);
        if (!result.Succeeded)
        {
            return result.Status == System.Net.HttpStatusCode.NotFound ? NotFound() : StatusCode(StatusCodes.Status503ServiceUnavailable);
        }

        Item = result.Value;
        return Page();
    }

    public static string FormatSize(long bytes) => bytes switch
    {
        < 1024 => $"{bytes} B",
        < 1024 * 1024 => $"{bytes / 1024.0:F1} KB",
        _ => $"{bytes / (1024.0 * 1024):F1} MB",
    };
}
