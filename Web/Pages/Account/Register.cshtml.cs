using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Platform.Web.Features.Accounts;

namespace Platform.Web.Pages.Account;

public sealed class RegisterModel(AccountsApiClient accounts, AccountSignIn signIn) : PageModel
{
    [BindProperty, Required(ErrorMessage = "Enter your e-mail address."), EmailAddress(ErrorMessage = "Enter a valid e-mail address."), StringLength(256)]
    public string Email { get; set; } = "";

    [BindProperty, Required(ErrorMessage = "Choose a password."), StringLength(256, MinimumLength = 12, ErrorMessage = "The password must be 12 to 256 characters.")]
    public string Password { get; set; } = "";

    [BindProperty, Compare(nameof(Password), ErrorMessage = "The two passwords differ.")]
    public string ConfirmPassword { get; set; } = "";

    public async Task<IActionResult> OnPostAsync(CancellationToken ct)
    {
        if (!ModelState.IsValid)
        {
            return Page();
        }

        var registered = await accounts.RegisterAsync(Email, Password, ct);
        if (!registered.Succeeded)
        {
            ModelState.AddModelError("", registered.Error!);
            return Page();
        }

        var error = await signIn.SignInAsync(HttpContext, Email, Password, ct);
        if (error is not null)
        {
            ModelState.AddModelError("", error);
            return Page();
        }

        return Redirect("/gallery");
    }
}
