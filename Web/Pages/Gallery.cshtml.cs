using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Platform.Web.Features.Media;

namespace Platform.Web.Pages;

public sealed class GalleryModel(MediaApiClient media) : PageModel
{
    public const int PageSize = 24;

    [BindProperty(Name = "page", SupportsGet = true)]
    public int PageNumber { get; set; } = 1;

    public MediaPage? Media { get; private set; }

    public string? Error { get; private set; }

    public async Task OnGetAsync(CancellationToken ct)
    {
        PageNumber = Math.Max(1, PageNumber);
        var result = await media.ListAsync(PageNumber, PageSize, ct);
        Media = result.Value;
        Error = result.Error;
    }
}
