namespace Platform.Api.Features.Media;

/// <summary>
/// Checks a client's part list before it goes to S3: exactly the parts 1…N the upload was started with, each once, each
/// with an ETag. S3 would refuse most of these mistakes too, but it also accepts a list that leaves parts out (the object
/// is then shorter than declared and the upload is gone), so the Api insists on every part.
/// </summary>
public static class CompletedParts
{
    /// <summary>S3's ETags are a quoted MD5 in hex (34 characters); anything much longer is not one.</summary>
    public const int MaxETagLength = 200;

    /// <summary>A client with many mistakes learns about the first few: a message, not a mirror of its request.</summary>
    private const int MaxErrors = 10;

    public static ValidatedParts Validate(IReadOnlyList<CompletedPartRequest?>? parts, int partCount)
    {
        var errors = new Dictionary<string, string[]>();
        if (parts is null || parts.Count == 0)
        {
            errors["parts"] =
            [
                $"This file is uploaded in {partCount} parts: send the list of them, each with its partNumber and the ETag " +
                "storage answered its PUT with.",
            ];
            return new ValidatedParts([], errors);
        }

        var seen = new HashSet<int>();
        var valid = new List<UploadedPart>(parts.Count);
        for (var i = 0; i < parts.Count && errors.Count < MaxErrors; i++)
        {
            var part = parts[i];
            if (part is null)
            {
                errors[$"parts[{i}]"] = ["Each part needs a partNumber and an eTag."];
                continue;
            }

            string? numberError = null;
            if (part.PartNumber is null)
            {
                numberError = "The part number is required.";
            }
            else if (part.PartNumber < 1 || part.PartNumber > partCount)
            {
                numberError = $"Part numbers of this upload go from 1 to {partCount}.";
            }
            else if (!seen.Add(part.PartNumber.Value))
            {
                numberError = $"Part {part.PartNumber} is listed more than once.";
            }

            if (numberError is not null)
            {
                errors[$"parts[{i}].partNumber"] = [numberError];
            }

            var eTag = part.ETag?.Trim();
            if (string.IsNullOrEmpty(eTag))
            {
                errors[$"parts[{i}].eTag"] = ["The ETag is required: the value of the ETag header storage answered the part's PUT with."];
            }
            else if (eTag.Length > MaxETagLength || eTag.Any(char.IsControl))
            {
                errors[$"parts[{i}].eTag"] = ["This is not an ETag storage answers with."];
            }
            else if (numberError is null)
            {
                valid.Add(new UploadedPart(part.PartNumber!.Value, eTag));
            }
        }

        if (errors.Count == 0 && valid.Count < partCount)
        {
            var missing = Enumerable.Range(1, partCount).Where(n => !seen.Contains(n)).ToList();
            var listed = string.Join(", ", missing.Take(10)) + (missing.Count > 10 ? ", …" : "");
            errors["parts"] = [$"Every one of the {partCount} parts must be listed; missing: {listed}."];
        }

        // S3 wants the list in ascending order; the client may send the parts in the order they finished.
        valid.Sort((a, b) => a.PartNumber.CompareTo(b.PartNumber));
        return new ValidatedParts(valid, errors);
    }
}

/// <summary>The parts in ascending order when <see cref="Errors"/> is empty; else what is wrong, by field.</summary>
public sealed record ValidatedParts(IReadOnlyList<UploadedPart> Parts, Dictionary<string, string[]> Errors);
