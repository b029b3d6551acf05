using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Http.HttpResults;
using Platform.Media;

namespace Platform.Web.Features.Media;

/// <summary>
/// JSON endpoints the upload and gallery scripts call on the Web origin. They hold no bytes: the browser PUTs each file
/// (or each part of a large one) straight to S3 through the presigned URLs the Api hands out, and reports back when it is
/// done, with the parts' ETags for a multipart upload.
/// </summary>
public static class UploadEndpoints
{
    public static IEndpointRouteBuilder MapUploadEndpoints(this IEndpointRouteBuilder app)
    {
        var uploads = app.MapGroup("/uploads")
            .RequireAuthorization()
            .AddEndpointFilter(ValidateAntiforgeryAsync)
            .DisableAntiforgery();
        uploads.MapPost("/", CreateAsync);
        uploads.MapPost("/{id:guid}/complete", CompleteAsync);
        uploads.MapGet("/status", StatusAsync);
        return app;
    }

    private static async Task<Results<Ok<UploadTicket>, ProblemHttpResult>> CreateAsync(UploadRequest request, MediaApiClient api, CancellationToken ct)
    {
        var result = await api.CreateUploadAsync(request, ct);
        return result.Succeeded ? TypedResults.Ok(result.Value) : Problem(result);
    }

    /// <summary>The body is optional: none (or no parts) for a single PUT, the part list for a multipart upload.</summary>
    private static async Task<Results<NoContent, ProblemHttpResult>> CompleteAsync(
        Guid id, CompleteUploadRequest? request, MediaApiClient api, CancellationToken ct)
    {
        var result = await api.CompleteUploadAsync(id, request?.Parts, ct);
        return result.Succeeded ? TypedResults.NoContent() : Problem(result);
    }

    /// <summary>
    /// The current status of the given items, for the gallery and upload page to update themselves: one Api call for all
    /// of them, however many are pending.
    /// </summary>
    private static async Task<Results<Ok<IReadOnlyList<MediaStatusItem>>, ProblemHttpResult>> StatusAsync(string? ids, MediaApiClient api, CancellationToken ct)
    {
        var parsed = (ids ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(s => Guid.TryParse(s, out var id) ? id : (Guid?)null)
            .ToList();
        if (parsed.Count > MediaStatusBatch.MaxIds || parsed.Any(id => id is null))
        {
            return TypedResults.Problem($"'ids' must be up to {MediaStatusBatch.MaxIds} comma-separated item ids.", statusCode: StatusCodes.Status400BadRequest);
        }

        if (parsed.Count == 0)
        {
            return TypedResults.Ok<IReadOnlyList<MediaStatusItem>>([]);
        }

        var result = await api.StatusesAsync(parsed.Select(id => id!.Value).Distinct(), ct);
        return result.Succeeded ? TypedResults.Ok(result.Value!.Items) : Problem(result);
    }

    private static ProblemHttpResult Problem<T>(ApiResult<T> result)
    {
        var status = (int?)result.Status ?? StatusCodes.Status502BadGateway;
        return TypedResults.Problem(result.Error, statusCode: status);
    }

    /// <summary>The scripts send the antiforgery token in a header; a request without a valid one is refused.</summary>
    private static async ValueTask<object?> ValidateAntiforgeryAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        if (!HttpMethods.IsGet(http.Request.Method))
        {
            var antiforgery = http.RequestServices.GetRequiredService<IAntiforgery>();
            if (!await antiforgery.IsRequestValidAsync(http))
            {
                return TypedResults.Problem("The form has expired. Reload the page and try again.", statusCode: StatusCodes.Status400BadRequest);
            }
        }

        return await next(context);
    }
}
