using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Platform.Web.Features.Accounts;

namespace Platform.Web.Pages.Account;

public sealed class LoginModel(AccountSignIn signIn) : PageModel
{
    [BindProperty, Required(ErrorMessage = "Enter your e-mail address."), EmailAddress(ErrorMessage = "Enter a valid e-mail address.")]
    public string Email { get; set; } = "";

    [BindProperty, Required(ErrorMessage = "Enter your password.")]
    public string Password { get; set; } = "";

    [BindProperty(SupportsGet = true)]
    public string? ReturnUrl { get; set; }

    [BindProperty(SupportsGet = true)]
    public bool Expired { get; set; }

    public void OnGet()
    {
    }

    public async Task<IActionResult> OnPostAsync(CancellationToken ct)
    {
        if (!ModelState.IsValid)
        {
            return Page();
        }

        var error = await signIn.SignInAsync(HttpContext, Email, Password, ct);
        if (error is not null)
        {
            ModelState.AddModelError("", error);
            return Page();
        }

        // Only local addresses: a crafted link must not send people elsewhere after signing in.
        return LocalRedirect(Url.IsLocalUrl(ReturnUrl) ? ReturnUrl : "/gallery");
    }
}
