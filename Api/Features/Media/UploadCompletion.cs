using Platform.Data;
using Platform.Media;
using Platform.Messaging;

namespace Platform.Api.Features.Media;

/// <summary>
/// <c>POST /api/media/{id}/complete</c> as a workflow: join a multipart upload's parts, check the upload S3 holds against
/// what was declared, copy it to the item's original (a key no upload URL reaches, so a later PUT can never replace a
/// verified original), then mark the item uploaded (which, in the same transaction, queues the Worker's message). An
/// upload that does not match is removed. The endpoint only turns the result into HTTP. Repeating it is harmless: an
/// item no longer pending is simply reported.
/// </summary>
public sealed class UploadCompletion(IUploadRecords records, IUploadedObjects objects, ILogger<UploadCompletion> logger)
{
    public async Task<UploadCompletionResult> CompleteAsync(
        Guid ownerId, Guid id, IReadOnlyList<CompletedPartRequest?>? parts, CancellationToken ct)
    {
        var item = await records.FindForUpdateAsync(ownerId, id, ct);
        if (item is null)
        {
            return UploadCompletionResult.NotFound;
        }

        if (item.Status != MediaStatus.Pending)
        {
            return UploadCompletionResult.CompletedAs(item.Status);
        }

        var uploadKey = MediaObjectKeys.Upload(ownerId, id);
        var multipart = item.MultipartPartSize is not null;
        if (item.MultipartUploadId is { } uploadId)
        {
            var validated = CompletedParts.Validate(parts, item.MultipartPartCount);
            if (validated.Errors.Count > 0)
            {
                return UploadCompletionResult.Invalid("The list of uploaded parts is missing or invalid.", validated.Errors);
            }

            switch (await objects.CompleteMultipartUploadAsync(uploadKey, uploadId, validated.Parts, ct))
            {
                case MultipartCompletion.PartsNotFound:
                    return UploadCompletionResult.Conflict("The uploaded parts do not match.",
                        "Storage has no part for one or more of the listed numbers and ETags: PUT every part to its URL, list the ETag each PUT answered with, then complete again.");
                case MultipartCompletion.PartTooSmall:
                    return UploadCompletionResult.Conflict("The uploaded parts do not match.",
                        $"Every part but the last must hold {item.MultipartPartSize} bytes of the file: PUT each part's slice again, then complete again.");
                case MultipartCompletion.NoSuchUpload:
                // An earlier complete may have joined the parts and failed before recording it: then the object
                // is there and the checks below finish the job. Otherwise the upload was aborted or expired.
                case MultipartCompletion.Completed:
                    break;
            }
        }
        else if (parts is not null)
        {
            return UploadCompletionResult.Invalid("The list of uploaded parts is not expected.",
                new Dictionary<string, string[]> { ["parts"] = ["This file is uploaded in one PUT, not in parts: complete it without a part list."] });
        }

        var stored = await objects.HeadAsync(uploadKey, ct);
        if (stored is null)
        {
            // An earlier complete may have copied the verified upload and failed before recording it: only a checked
            // upload is ever copied there, so the original finishes the job.
            if (await objects.HeadAsync(item.ObjectKey, ct) is { } promoted && promoted.Size == item.Size)
            {
                return await MarkUploadedAsync(ownerId, id, uploadKey, item.ObjectKey, ct);
            }

            return multipart
                ? UploadCompletionResult.Conflict("The upload no longer exists.", "The multipart upload of this file was aborted or has expired. Delete this item and upload the file again.")
                : UploadCompletionResult.Conflict("The file has not been uploaded.", "Nothing was uploaded to the upload URL yet: PUT the file's bytes there first, then complete.");
        }

        // What does not match is removed at once: storage keeps no bytes that were not declared. Once parts are joined
        // the upload is gone and cannot be redone under this item; a single PUT can, while its URL is valid.
        var again = multipart ? "Delete this item and upload the file again." : "Upload the declared file again.";
        if (stored.Size != item.Size)
        {
            await objects.DeleteAsync([uploadKey], ct);
            return UploadCompletionResult.Conflict("The uploaded file does not match.",
                $"{stored.Size} bytes were uploaded, but {item.Size} were declared; the upload was removed. {again}");
        }

        if (stored.ContentType is { Length: > 0 } storedType && !string.Equals(storedType, item.ContentType, StringComparison.OrdinalIgnoreCase))
        {
            await objects.DeleteAsync([uploadKey], ct);
            return UploadCompletionResult.Conflict("The uploaded file does not match.",
                $"The file was uploaded as '{storedType}', but '{item.ContentType}' was declared.");
        }

        if (!await objects.PromoteAsync(uploadKey, item.ObjectKey, stored.ETag, ct))
        {
            return UploadCompletionResult.Conflict("The upload changed while it was being completed.",
                "Another PUT to the upload URL arrived during the check: complete again.");
        }

        return await MarkUploadedAsync(ownerId, id, uploadKey, item.ObjectKey, ct);
    }

    private async Task<UploadCompletionResult> MarkUploadedAsync(Guid ownerId, Guid id, string uploadKey, string originalKey, CancellationToken ct)
    {
        // The status and the Worker's message are committed together (the outbox): nothing depends on the client
        // calling again, and a repeat finds the item uploaded and changes nothing.
        if (await records.MarkUploadedAsync(ownerId, id, ct))
        {
            // The upload's copy is no longer needed; should removing it fail, the bucket's lifecycle rule for the upload
            // prefix removes it (and whatever a later PUT to the URL stores there never reaches the original).
            await RemoveQuietlyAsync([uploadKey], id, ct);
            return UploadCompletionResult.CompletedAs(MediaStatus.Uploaded);
        }

        // Nothing changed: the item was no longer pending when the update ran. A concurrent completion that got there
        // first is a success for this client too (its message is queued); a delete in between (by the owner, or because
        // the upload expired) means there is no item, and the original just copied must not outlive it.
        switch (await records.FindForUpdateAsync(ownerId, id, ct))
        {
            case null:
                await RemoveQuietlyAsync([originalKey, uploadKey], id, ct);
                return UploadCompletionResult.NotFound;
            case { Status: not MediaStatus.Pending } done:
                return UploadCompletionResult.CompletedAs(done.Status);
            default:
                return UploadCompletionResult.Conflict("The upload could not be recorded.", "The item did not change; complete it again.");
        }
    }

    private async Task RemoveQuietlyAsync(IReadOnlyList<string> keys, Guid id, CancellationToken ct)
    {
        try
        {
            await objects.DeleteAsync(keys, ct);
        }
        catch (Exception ex) when (ex is Amazon.Runtime.AmazonServiceException or Platform.ServiceDefaults.Resilience.DependencyUnavailableException)
        {
            logger.LogWarning(ex, "Removing the upload objects of media {MediaId} failed; the bucket's lifecycle rule removes them", id);
        }
    }
}

/// <summary>The rows <see cref="UploadCompletion"/> reads and changes (<see cref="MediaStore"/>), scoped to the owner.</summary>
public interface IUploadRecords
{
    /// <summary>The owner's item, read from the primary; null when there is none or it belongs to someone else.</summary>
    Task<MediaItem?> FindForUpdateAsync(Guid ownerId, Guid id, CancellationToken ct);

    /// <summary>Pending → uploaded, with the Worker's message; false when the item was not pending (or not there).</summary>
    Task<bool> MarkUploadedAsync(Guid ownerId, Guid id, CancellationToken ct);
}

/// <summary>What <see cref="UploadCompletion"/> asks the bucket (<see cref="MediaStorage"/>).</summary>
public interface IUploadedObjects
{
    Task<MultipartCompletion> CompleteMultipartUploadAsync(string key, string uploadId, IEnumerable<UploadedPart> parts, CancellationToken cancellationToken);

    Task<StoredObject?> HeadAsync(string key, CancellationToken cancellationToken);

    /// <summary>Copies the checked upload to the original's key if it is still the version with <paramref name="eTag"/>.</summary>
    Task<bool> PromoteAsync(string uploadKey, string originalKey, string? eTag, CancellationToken cancellationToken);

    Task DeleteAsync(IEnumerable<string> keys, CancellationToken cancellationToken);
}

public enum UploadCompletionOutcome
{
    /// <summary>The item is uploaded (now, or by an earlier or concurrent completion): answer with its current state.</summary>
    Completed,

    /// <summary>No such item for this owner (never was, someone else's, or deleted meanwhile).</summary>
    NotFound,

    /// <summary>The request's part list is wrong: a validation problem by field.</summary>
    Invalid,

    /// <summary>Storage does not hold what was declared: a 409 that tells the client what to do.</summary>
    Conflict,
}

/// <summary>What a completion came to; <see cref="Status"/> is the item's status when it is <see cref="UploadCompletionOutcome.Completed"/>.</summary>
public sealed record UploadCompletionResult(
    UploadCompletionOutcome Outcome, string? Title = null, string? Detail = null, Dictionary<string, string[]>? Errors = null,
    MediaStatus? Status = null)
{
    public static UploadCompletionResult CompletedAs(MediaStatus status) => new(UploadCompletionOutcome.Completed, Status: status);

    public static readonly UploadCompletionResult NotFound = new(UploadCompletionOutcome.NotFound);

    public static UploadCompletionResult Invalid(string title, Dictionary<string, string[]> errors) =>
        new(UploadCompletionOutcome.Invalid, title, Errors: errors);

    public static UploadCompletionResult Conflict(string title, string detail) => new(UploadCompletionOutcome.Conflict, title, detail);
}
