using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Platform.Web.Features.Accounts;

namespace Platform.Web.Pages;

/// <summary>The friendly page for every error and status code; it never shows an exception.</summary>
[ResponseCache(Duration = 0, Location = ResponseCacheLocation.None, NoStore = true)]
[IgnoreAntiforgeryToken]
public sealed class ErrorModel : PageModel
{
    public string Title { get; private set; } = "Something went wrong";

    public string Message { get; private set; } = "We could not complete your request. Please try again in a moment.";

    public void OnGet(int? statusCode) => Describe(statusCode);

    public void OnPost(int? statusCode) => Describe(statusCode);

    private void Describe(int? statusCode)
    {
        if (statusCode == StatusCodes.Status404NotFound)
        {
            Title = "Page not found";
            Message = "There is nothing at this address. It may have been moved or deleted.";
        }
        else if (statusCode == StatusCodes.Status503ServiceUnavailable && SessionStoreUnavailableMiddleware.HasFailed(HttpContext))
        {
            Title = "Your session cannot be read right now";
            Message = "Our session store is unavailable for a moment. You are still signed in: please try again in a few seconds.";
        }
        else if (statusCode == StatusCodes.Status503ServiceUnavailable)
        {
            Title = "Temporarily unavailable";
            Message = "This part of the site is unavailable for a moment. Please try again in a few seconds.";
        }
    }
}
