using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Platform.Web.Features.Media;

namespace Platform.Web.Pages.Media;

/// <summary>Delete with confirmation: the GET asks, the POST (antiforgery-checked) deletes.</summary>
public sealed class DeleteModel(MediaApiClient media) : PageModel
{
    public MediaItem? Item { get; private set; }

    public string? Error { get; private set; }

    public async Task<IActionResult> OnGetAsync(Guid id, CancellationToken ct)
    {
        var result = await media.GetAsync(id, ct);
        if (!result.Succeeded)
        {
            return NotFound();
        }

        Item = result.Value;
        return Page();
    }

    public async Task<IActionResult> OnPostAsync(Guid id, CancellationToken ct)
    {
        var result = await media.DeleteAsync(id, ct);
        if (result.Succeeded || result.Status == System.Net.HttpStatusCode.NotFound)
        {
            TempData["Message"] = "The file was deleted.";
            return Redirect("/gallery");
        }

        Error = result.Error;
        return await OnGetAsync(id, ct);
    }
}
