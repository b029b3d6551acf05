using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Net.Http.Headers;

namespace Platform.ServiceDefaults.Http;

/// <summary>
/// JSON between systems is UTF-8 (RFC 8259). ASP.NET Core transcodes a body of another declared charset, and throws an
/// InvalidOperationException (a 500) for a charset it does not know, so a body that declares any charset but UTF-8 is
/// refused with a 415 before anything reads it. Nothing in ASP.NET Core restricts the charset, hence this middleware.
/// </summary>
public static class Utf8JsonBodies
{
    public static IApplicationBuilder UseUtf8RequestBodiesOnly(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        if (MediaTypeHeaderValue.TryParse(context.Request.ContentType, out var mediaType)
            && mediaType.Charset.HasValue
            && mediaType.Charset.Value?.Trim('"', ' ').ToLowerInvariant() is not ("utf-8" or "utf8"))
        {
            context.Response.StatusCode = StatusCodes.Status415UnsupportedMediaType;
            var problem = new ProblemDetailsContext
            {
                HttpContext = context,
                ProblemDetails =
                {
                    Status = StatusCodes.Status415UnsupportedMediaType,
                    Title = "The request body must be UTF-8.",
                    Detail = "Send the body encoded as UTF-8: leave out the charset of the Content-Type, or make it charset=utf-8.",
                },
            };
            if (context.RequestServices.GetService<IProblemDetailsService>() is not { } problems || !await problems.TryWriteAsync(problem))
            {
                await context.Response.WriteAsJsonAsync(problem.ProblemDetails, options: null, contentType: "application/problem+json");
            }

            return;
        }

        await next(context);
    });
}
