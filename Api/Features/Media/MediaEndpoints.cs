using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Platform.Api.Features.Accounts;
using Platform.Media;
using Platform.Messaging;
using Platform.ServiceDefaults.Resilience;

namespace Platform.Api.Features.Media;

/// <summary>
/// <c>/api/media</c>: a signed-in user's library. Upload is three steps — create (get a presigned PUT URL, or one per
/// part for a large file), PUT the bytes to S3, complete — after which the Worker makes thumbnails. A user reaches only
/// their own items: anyone else's id answers 404, exactly like an id that does not exist.
/// </summary>
public static class MediaEndpoints
{
    public const int MaxPageSize = 100;
    private const int MaxPage = 100_000;

    public static IEndpointRouteBuilder MapMediaEndpoints(this IEndpointRouteBuilder app)
    {
        var media = app.MapGroup("/api/media")
            .WithTags("Media")
            .RequireAuthorization(AccountsExtensions.SignedInUserPolicy)
            .ProducesProblem(StatusCodes.Status401Unauthorized);

        media.MapPost("/", CreateAsync).WithName("CreateMedia")
            .RequireRateLimiting(MediaExtensions.WritePolicy)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status429TooManyRequests);
        media.MapPost("/{id:guid}/complete", CompleteAsync).WithName("CompleteMediaUpload")
            .RequireRateLimiting(MediaExtensions.WritePolicy)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status429TooManyRequests);
        // Reads answer with an ETag and Cache-Control: private, no-cache; If-None-Match with the current ETag gets 304.
        media.MapGet("/", ListAsync).WithName("ListMedia")
            .Produces<MediaPageResponse>(contentType: "application/json")
            .Produces(StatusCodes.Status304NotModified);
        media.MapGet("/status", StatusesAsync).WithName("GetMediaStatuses")
            .Produces<MediaStatusesResponse>(contentType: "application/json")
            .Produces(StatusCodes.Status304NotModified)
            .ProducesValidationProblem();
        media.MapGet("/{id:guid}", GetAsync).WithName("GetMedia")
            .Produces<MediaItemResponse>(contentType: "application/json")
            .Produces(StatusCodes.Status304NotModified);
        media.MapDelete("/{id:guid}", DeleteAsync).WithName("DeleteMedia")
            .RequireRateLimiting(MediaExtensions.WritePolicy)
            .ProducesProblem(StatusCodes.Status429TooManyRequests);
        return app;
    }

    private static async Task<Results<Created<CreateMediaResponse>, ValidationProblem, ProblemHttpResult>> CreateAsync(
        CreateMediaRequest request, ClaimsPrincipal user, MediaStore store, MediaStorage storage, TimeProvider clock,
        IOptions<MediaOptions> options, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        var fileName = FileNames.Sanitize(request.FileName);
        if (string.IsNullOrWhiteSpace(request.FileName))
        {
            errors["fileName"] = ["The file name is required."];
        }
        else if (fileName.Length == 0)
        {
            errors["fileName"] = ["The file name has no usable characters."];
        }

        if (string.IsNullOrWhiteSpace(request.ContentType))
        {
            errors["contentType"] = ["The content type is required."];
        }

        if (request.Size is null)
        {
            errors["size"] = ["The size in bytes is required."];
        }
        else if (request.Size <= 0)
        {
            errors["size"] = ["The size must be a positive number of bytes."];
        }

        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, title: "The upload request is incomplete or invalid.");
        }

        var contentType = request.ContentType!.Trim().ToLowerInvariant();
        if (!MediaContentTypes.Accepted.Contains(contentType))
        {
            return TypedResults.Problem(
                statusCode: StatusCodes.Status415UnsupportedMediaType,
                title: "This type of file is not accepted.",
                detail: $"The content type '{Shorten(request.ContentType)}' is not accepted. Allowed: {string.Join(", ", MediaContentTypes.Accepted)}.");
        }

        var maxBytes = options.Value.MaxUploadBytes;
        if (request.Size > maxBytes)
        {
            return TypedResults.Problem(
                statusCode: StatusCodes.Status413PayloadTooLarge,
                title: "The file is too large.",
                detail: $"The declared size of {request.Size} bytes exceeds the limit of {maxBytes} bytes.");
        }

        var settings = options.Value;
        var item = store.New(user.UserId(), fileName, contentType, request.Size!.Value);
        // The client's URLs point at the upload key; complete copies the checked bytes to the item's original.
        var uploadKey = MediaObjectKeys.Upload(item.OwnerId, item.Id);
        if (item.Size > settings.MultipartThresholdBytes)
        {
            // Started before the row is saved, so the row is written once, complete. Should the save fail or a quota
            // refuse it, the open upload holds no bytes: it is aborted, and the bucket's lifecycle rule for incomplete
            // multipart uploads removes it should that fail too.
            item.MultipartUploadId = await storage.StartMultipartUploadAsync(uploadKey, contentType, ct);
            item.MultipartPartSize = settings.MultipartPartSizeBytes;
        }

        if (await store.AddWithinQuotaAsync(item, ct) is { } exceeded)
        {
            if (item.MultipartUploadId is { } opened)
            {
                await storage.AbortMultipartUploadAsync(uploadKey, opened, ct);
            }

            return QuotaFull(exceeded, item.Size);
        }

        var expiresAt = item.UploadExpiresAt!.Value;
        var location = $"/api/media/{item.Id}";
        if (item.MultipartUploadId is not { } uploadId)
        {
            var uploadUrl = await storage.PresignUploadAsync(uploadKey, contentType, item.Size, expiresAt);
            return TypedResults.Created(location, new CreateMediaResponse(item.Id, uploadUrl, expiresAt));
        }

        var partSize = item.MultipartPartSize!.Value;
        var parts = new List<UploadPartUrl>(item.MultipartPartCount);
        for (var partNumber = 1; partNumber <= item.MultipartPartCount; partNumber++)
        {
            // Every part holds partSize bytes but the last, which holds the rest: each URL is signed for its own size.
            var size = Math.Min(partSize, item.Size - ((partNumber - 1) * partSize));
            parts.Add(new UploadPartUrl(partNumber, await storage.PresignUploadPartAsync(uploadKey, uploadId, partNumber, size, expiresAt)));
        }

        return TypedResults.Created(location, new CreateMediaResponse(item.Id, null, expiresAt, partSize, parts));
    }

    /// <summary>
    /// 409 Conflict, not 413: the request itself is fine (the file is within the per-file limit), it conflicts with the
    /// state of the owner's library, and the owner can resolve that — delete items, or let pending uploads expire — and
    /// send the same request again (RFC 9110 15.5.10). The problem names the quota, its limit and what is in use.
    /// </summary>
    private static ProblemHttpResult QuotaFull(QuotaExceeded exceeded, long size) =>
        TypedResults.Problem(
            statusCode: StatusCodes.Status409Conflict,
            title: $"Your storage quota of {exceeded.Unit} is full.",
            detail: exceeded.Unit == "bytes"
                ? $"Quota {exceeded.Setting}: your items (pending uploads included) take {exceeded.Used} of {exceeded.Limit} bytes; this file of {size} bytes does not fit. Delete items to make room."
                : $"Quota {exceeded.Setting}: you have {exceeded.Used} of {exceeded.Limit} items (pending uploads included). Delete items to make room.",
            extensions: new Dictionary<string, object?>
            {
                ["quota"] = exceeded.Setting,
                ["limit"] = exceeded.Limit,
                ["used"] = exceeded.Used,
            });

    /// <summary>
    /// Answers with the item's id and status only: a client goes on by polling the status (or reading the item at the
    /// <c>Location</c>, whose URLs are signed when asked for), so nothing is signed or rendered here.
    /// </summary>
    private static async Task<Results<Accepted<CompleteMediaResponse>, NotFound, ValidationProblem, ProblemHttpResult>> CompleteAsync(
        Guid id, CompleteMediaRequest? request, ClaimsPrincipal user, UploadCompletion completion, CancellationToken ct)
    {
        var ownerId = user.UserId();
        var result = await completion.CompleteAsync(ownerId, id, request?.Parts, ct);
        switch (result.Outcome)
        {
            case UploadCompletionOutcome.NotFound:
                return TypedResults.NotFound();
            case UploadCompletionOutcome.Invalid:
                return TypedResults.ValidationProblem(result.Errors!, title: result.Title);
            case UploadCompletionOutcome.Conflict:
                return Conflict(result.Title!, result.Detail!);
        }

        return TypedResults.Accepted($"/api/media/{id}", new CompleteMediaResponse(id, result.Status!.Value.ToText()));
    }

    private static async Task<Results<RenderedResponse, ValidationProblem>> ListAsync(
        ClaimsPrincipal user, MediaStore store, MediaResponses responses, CancellationToken ct, int page = 1, int pageSize = 20)
    {
        var errors = new Dictionary<string, string[]>();
        if (page is < 1 or > MaxPage)
        {
            errors["page"] = [$"The page must be between 1 and {MaxPage}."];
        }

        if (pageSize is < 1 or > MaxPageSize)
        {
            errors["pageSize"] = [$"The page size must be between 1 and {MaxPageSize}."];
        }

        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, title: "The page requested is invalid.");
        }

        var ownerId = user.UserId();
        return await responses.PageAsync(store, await store.ReadSourceAsync(ownerId, ct), ownerId, page, pageSize, ct);
    }

    /// <summary>
    /// The status of up to <see cref="MediaStatusBatch.MaxIds"/> of the caller's items in one call (what a page polls while
    /// items are processed). <c>ids</c> is a comma-separated list of item ids; repeats count once. An id that is not the
    /// caller's is left out of the answer, never reported differently from one that does not exist.
    /// </summary>
    private static async Task<Results<RenderedResponse, ValidationProblem>> StatusesAsync(
        string? ids, ClaimsPrincipal user, MediaStore store, MediaResponses responses, CancellationToken ct)
    {
        var parts = (ids ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        string? error = null;
        if (parts.Length == 0)
        {
            error = "Name at least one item id.";
        }
        else if (parts.Length > MediaStatusBatch.MaxIds)
        {
            error = $"At most {MediaStatusBatch.MaxIds} item ids may be asked for at once; {parts.Length} were given.";
        }
        else if (parts.FirstOrDefault(p => !Guid.TryParse(p, out _)) is { } malformed)
        {
            error = $"'{Shorten(malformed)}' is not an item id.";
        }

        if (error is not null)
        {
            return TypedResults.ValidationProblem(
                new Dictionary<string, string[]> { ["ids"] = [error] },
                title: $"'ids' must be 1 to {MediaStatusBatch.MaxIds} comma-separated item ids.");
        }

        var ownerId = user.UserId();
        var wanted = parts.Select(Guid.Parse).Distinct().ToList();
        return await responses.StatusesAsync(store, await store.ReadSourceAsync(ownerId, ct), ownerId, wanted, ct);
    }

    private static async Task<Results<RenderedResponse, NotFound>> GetAsync(
        Guid id, ClaimsPrincipal user, MediaStore store, MediaResponses responses, CancellationToken ct)
    {
        var ownerId = user.UserId();
        return await responses.ItemAsync(store, await store.ReadSourceAsync(ownerId, ct), ownerId, id, ct) is { } rendered
            ? rendered
            : TypedResults.NotFound();
    }

    private static async Task<Results<NoContent, NotFound>> DeleteAsync(
        Guid id, ClaimsPrincipal user, MediaStore store, MediaStorage storage, ILoggerFactory loggers, CancellationToken ct)
    {
        var ownerId = user.UserId();

        // The row goes first, with a message that has the Worker remove the objects: from then on the Worker, should it
        // still be processing the item, finds no row to mark ready and removes the thumbnails it wrote. Then the objects
        // go at once; if S3 fails now, the Worker's removal is what remains.
        var deleted = await store.DeleteAsync(ownerId, id, ct);
        if (deleted is null)
        {
            return TypedResults.NotFound();
        }

        var keys = MediaObjectKeys.All(ownerId, id);
        if (deleted.MultipartUploadId is { } uploadId)
        {
            // Aborted before the objects go: parts still arriving are refused from now on, and a complete still under way
            // either finds no upload or made the object before the removal below.
            try
            {
                await storage.AbortMultipartUploadAsync(MediaObjectKeys.Upload(ownerId, id), uploadId, ct);
            }
            catch (Exception ex) when (ex is Amazon.Runtime.AmazonServiceException or DependencyUnavailableException)
            {
                loggers.CreateLogger(typeof(MediaEndpoints)).LogWarning(ex,
                    "Aborting the multipart upload of media {MediaId} failed; the bucket's lifecycle rule removes it", id);
            }
        }

        try
        {
            await storage.DeleteAsync(keys, ct);
        }
        catch (Exception ex) when (ex is Amazon.Runtime.AmazonServiceException or DependencyUnavailableException)
        {
            loggers.CreateLogger(typeof(MediaEndpoints)).LogWarning(ex, "Removing the objects of media {MediaId} failed; the Worker will remove them", id);
        }

        return TypedResults.NoContent();
    }

    /// <summary>Client text echoed in a problem is cut short: a message, not a mirror.</summary>
    private static string Shorten(string text) => text.Length <= 100 ? text : text[..100] + "…";

    private static ProblemHttpResult Conflict(string title, string detail) =>
        TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: title, detail: detail);
}
