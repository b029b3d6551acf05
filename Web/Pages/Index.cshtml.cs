using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Platform.Web.Pages;

public sealed class IndexModel : PageModel
{
    /// <summary>Signed-in people land on their gallery; everyone else sees what the library is.</summary>
    public IActionResult OnGet() => User.Identity?.IsAuthenticated == true ? Redirect("/gallery") : Page();
}
