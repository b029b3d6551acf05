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
        (Title, Message) = statusCode switch
        {
            StatusCodes.Status404NotFound => ("Page not found", "There is nothing at this address. It may have been moved or deleted."),
            StatusCodes.Status400BadRequest => ("The request could not be used",
                "The form was incomplete or has expired. Go back, reload the page and try again."),
            StatusCodes.Status405MethodNotAllowed => ("The request could not be used", "This address cannot be used that way. Go back and try again."),
            StatusCodes.Status413PayloadTooLarge => ("Too much was sent", "The form sent more data than this site accepts. Files are uploaded on the upload page."),
            StatusCodes.Status415UnsupportedMediaType => ("The request could not be used", "The form was sent in a format this site does not accept."),
            StatusCodes.Status503ServiceUnavailable when SessionStoreUnavailableMiddleware.HasFailed(HttpContext) => ("Your session cannot be read right now",
                "Our session store is unavailable for a moment. You are still signed in: please try again in a few seconds."),
            StatusCodes.Status503ServiceUnavailable => ("Temporarily unavailable", "This part of the site is unavailable for a moment. Please try again in a few seconds."),
            _ => (Title, Message),
        };
    }
}
