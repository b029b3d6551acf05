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
        if (!MediaOptions.AllowedContentTypes.Contains(contentType))
        {
            return TypedResults.Problem(
                statusCode: StatusCodes.Status415UnsupportedMediaType,
                title: "This type of file is not accepted.",
                detail: $"The content type '{Shorten(request.ContentType)}' is not accepted. Allowed: {string.Join(", ", MediaOptions.AllowedContentTypes)}.");
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
        if (item.Size > settings.MultipartThresholdBytes)
        {
            // Started before the row is saved, so the row is written once, complete. Should the save fail, the open upload
            // holds no bytes and the bucket's lifecycle rule for incomplete multipart uploads removes it.
            item.MultipartUploadId = await storage.StartMultipartUploadAsync(item.ObjectKey, contentType, ct);
            item.MultipartPartSize = settings.MultipartPartSizeBytes;
        }

        await store.AddAsync(item, ct);
        var expiresAt = clock.GetUtcNow() + settings.UploadUrlLifetime;
        var location = $"/api/media/{item.Id}";
        if (item.MultipartUploadId is not { } uploadId)
        {
            var uploadUrl = await storage.PresignUploadAsync(item.ObjectKey, contentType, expiresAt);
            return TypedResults.Created(location, new CreateMediaResponse(item.Id, uploadUrl, expiresAt));
        }

        var parts = new List<UploadPartUrl>(item.MultipartPartCount);
        for (var partNumber = 1; partNumber <= item.MultipartPartCount; partNumber++)
        {
            parts.Add(new UploadPartUrl(partNumber, await storage.PresignUploadPartAsync(item.ObjectKey, uploadId, partNumber, expiresAt)));
        }

        return TypedResults.Created(location, new CreateMediaResponse(item.Id, null, expiresAt, item.MultipartPartSize, parts));
    }

    private static async Task<Results<Accepted<MediaItemResponse>, NotFound, ValidationProblem, ProblemHttpResult>> CompleteAsync(
        Guid id, CompleteMediaRequest? request, ClaimsPrincipal user, MediaStore store, MediaStorage storage,
        MediaResponses responses, CancellationToken ct)
    {
        var ownerId = user.UserId();
        var item = await store.FindForUpdateAsync(ownerId, id, ct);
        if (item is null)
        {
            return TypedResults.NotFound();
        }

        if (item.Status == MediaStatus.Pending)
        {
            var multipart = item.MultipartPartSize is not null;
            if (item.MultipartUploadId is { } uploadId)
            {
                var parts = CompletedParts.Validate(request?.Parts, item.MultipartPartCount);
                if (parts.Errors.Count > 0)
                {
                    return TypedResults.ValidationProblem(parts.Errors, title: "The list of uploaded parts is missing or invalid.");
                }

                switch (await storage.CompleteMultipartUploadAsync(item.ObjectKey, uploadId, parts.Parts, ct))
                {
                    case MultipartCompletion.PartsNotFound:
                        return Conflict("The uploaded parts do not match.",
                            "Storage has no part for one or more of the listed numbers and ETags: PUT every part to its URL, list the ETag each PUT answered with, then complete again.");
                    case MultipartCompletion.PartTooSmall:
                        return Conflict("The uploaded parts do not match.",
                            $"Every part but the last must hold {item.MultipartPartSize} bytes of the file: PUT each part's slice again, then complete again.");
                    case MultipartCompletion.NoSuchUpload:
                        // An earlier complete may have joined the parts and failed before recording it: then the object
                        // is there and the checks below finish the job. Otherwise the upload was aborted or expired.
                    case MultipartCompletion.Completed:
                        break;
                }
            }
            else if (request?.Parts is not null)
            {
                return TypedResults.ValidationProblem(
                    new Dictionary<string, string[]> { ["parts"] = ["This file is uploaded in one PUT, not in parts: complete it without a part list."] },
                    title: "The list of uploaded parts is not expected.");
            }

            var stored = await storage.HeadAsync(item.ObjectKey, ct);
            if (stored is null)
            {
                return multipart
                    ? Conflict("The upload no longer exists.", "The multipart upload of this file was aborted or has expired. Delete this item and upload the file again.")
                    : Conflict("The file has not been uploaded.", "Nothing was uploaded to the upload URL yet: PUT the file's bytes there first, then complete.");
            }

            // Once parts are joined the upload is gone and cannot be redone under this item; a single PUT can.
            var again = multipart ? "Delete this item and upload the file again." : "Upload the declared file again.";
            if (stored.Size != item.Size)
            {
                return Conflict("The uploaded file does not match.", $"{stored.Size} bytes were uploaded, but {item.Size} were declared. {again}");
            }

            if (stored.ContentType is { Length: > 0 } storedType && !string.Equals(storedType, item.ContentType, StringComparison.OrdinalIgnoreCase))
            {
                return Conflict("The uploaded file does not match.", $"The file was uploaded as '{storedType}', but '{item.ContentType}' was declared.");
            }

            // The status and the Worker's message are committed together (the outbox): nothing depends on the client
            // calling again, and a repeat finds the item uploaded and changes nothing.
            await store.MarkUploadedAsync(ownerId, id, ct);
        }

        var current = await store.GetAsync(ownerId, id, ct);
        return current is null
            ? TypedResults.NotFound()
            : TypedResults.Accepted($"/api/media/{id}", await responses.CreateAsync(current));
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
                await storage.AbortMultipartUploadAsync(MediaObjectKeys.Original(ownerId, id), uploadId, ct);
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
