using Platform.Api.Features.Media;
using Platform.Data;
using Platform.Media;
using Platform.Messaging;
using Platform.ServiceDefaults.Resilience;

namespace Platform.Api.Tests.Media;

/// <summary>
/// Completing an upload, every branch, against an in-memory store and bucket: what the client is told, and that an item
/// is marked uploaded (which queues the Worker's message) only when storage holds exactly what was declared.
/// </summary>
public sealed class UploadCompletionTests
{
    private static readonly Guid Owner = Guid.NewGuid();
    private const long PartSize = 5L * 1024 * 1024;

    private readonly FakeRecords _records = new();
    private readonly FakeObjects _objects = new();
    private readonly UploadCompletion _completion;

    public UploadCompletionTests() =>
        _completion = new UploadCompletion(_records, _objects, Microsoft.Extensions.Logging.Abstractions.NullLogger<UploadCompletion>.Instance);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task An_unknown_item_is_not_found_and_storage_is_not_asked()
    {
        var result = await _completion.CompleteAsync(Owner, Guid.NewGuid(), null, Ct);

        Assert.Equal(UploadCompletionOutcome.NotFound, result.Outcome);
        Assert.Empty(_objects.Calls);
    }

    [Fact]
    public async Task Another_users_item_is_not_found_and_stays_pending()
    {
        var item = _records.Add(Single(size: 10));
        _objects.Put(UploadKey(item), 10, item.ContentType);

        var result = await _completion.CompleteAsync(Guid.NewGuid(), item.Id, null, Ct);

        Assert.Equal(UploadCompletionOutcome.NotFound, result.Outcome);
        AssertStillPending(item);
        Assert.Empty(_objects.Calls);
    }

    [Fact]
    public async Task A_single_put_with_the_declared_size_and_type_is_marked_uploaded()
    {
        var item = _records.Add(Single(size: 10));
        _objects.Put(UploadKey(item), 10, "IMAGE/PNG");

        var result = await _completion.CompleteAsync(Owner, item.Id, null, Ct);

        Assert.Equal(UploadCompletionOutcome.Completed, result.Outcome);
        Assert.Equal(MediaStatus.Uploaded, item.Status);
        Assert.Equal(MediaStatus.Uploaded, result.Status);
        Assert.Equal(1, _records.Marked);
    }

    [Fact]
    public async Task An_item_already_uploaded_is_reported_without_asking_storage_or_marking_it_again()
    {
        var item = _records.Add(Single(size: 10, status: MediaStatus.Ready));

        var result = await _completion.CompleteAsync(Owner, item.Id, null, Ct);

        Assert.Equal(UploadCompletionOutcome.Completed, result.Outcome);
        Assert.Equal(MediaStatus.Ready, item.Status);
        Assert.Equal(MediaStatus.Ready, result.Status);
        Assert.Empty(_objects.Calls);
        Assert.Equal(0, _records.Marked);
    }

    [Theory]
    [InlineData(null, null, "The file has not been uploaded.", "PUT the file's bytes there first")]
    [InlineData(11L, "image/png", "The uploaded file does not match.", "11 bytes were uploaded, but 10 were declared; the upload was removed. Upload the declared file again.")]
    [InlineData(10L, "application/pdf", "The uploaded file does not match.", "uploaded as 'application/pdf', but 'image/png' was declared")]
    public async Task Storage_not_holding_what_was_declared_is_a_conflict_that_says_what_to_do(
        long? storedSize, string? storedType, string title, string advice)
    {
        var item = _records.Add(Single(size: 10));
        if (storedSize is { } size)
        {
            _objects.Put(UploadKey(item), size, storedType!);
        }

        var result = await _completion.CompleteAsync(Owner, item.Id, null, Ct);

        AssertConflict(result, title, advice);
        AssertStillPending(item);
    }

    [Fact]
    public async Task A_part_list_for_a_single_put_is_invalid()
    {
        var item = _records.Add(Single(size: 10));
        _objects.Put(UploadKey(item), 10, item.ContentType);

        var result = await _completion.CompleteAsync(Owner, item.Id, [new(1, "a")], Ct);

        Assert.Equal(UploadCompletionOutcome.Invalid, result.Outcome);
        Assert.Contains("not in parts", Assert.Single(result.Errors!["parts"]));
        AssertStillPending(item);
    }

    [Fact]
    public async Task A_multipart_upload_with_every_part_is_joined_checked_and_marked_uploaded()
    {
        var item = _records.Add(Multipart(size: PartSize + 1));
        _objects.JoinsInto(UploadKey(item), PartSize + 1, item.ContentType);

        var result = await _completion.CompleteAsync(Owner, item.Id, [new(2, "b"), new(1, "a")], Ct);

        Assert.Equal(UploadCompletionOutcome.Completed, result.Outcome);
        Assert.Equal(MediaStatus.Uploaded, item.Status);
        Assert.Equal([1, 2], _objects.JoinedParts.Select(p => p.PartNumber));
    }

    [Fact]
    public async Task Invalid_parts_are_refused_before_storage_is_asked()
    {
        var item = _records.Add(Multipart(size: PartSize + 1));

        var result = await _completion.CompleteAsync(Owner, item.Id, [new(1, "a")], Ct);

        Assert.Equal(UploadCompletionOutcome.Invalid, result.Outcome);
        Assert.Equal("The list of uploaded parts is missing or invalid.", result.Title);
        Assert.Contains("missing: 2", Assert.Single(result.Errors!["parts"]));
        Assert.Empty(_objects.Calls);
    }

    [Theory]
    [InlineData(MultipartCompletion.PartsNotFound, "PUT every part to its URL")]
    [InlineData(MultipartCompletion.PartTooSmall, "Every part but the last must hold 5242880 bytes")]
    public async Task Parts_storage_refuses_are_a_conflict_that_says_what_to_redo(MultipartCompletion refusal, string advice)
    {
        var item = _records.Add(Multipart(size: PartSize + 1));
        _objects.Joining = refusal;

        var result = await _completion.CompleteAsync(Owner, item.Id, [new(1, "a"), new(2, "b")], Ct);

        AssertConflict(result, "The uploaded parts do not match.", advice);
        AssertStillPending(item);
    }

    [Fact]
    public async Task An_upload_joined_by_an_earlier_request_whose_answer_was_lost_is_completed()
    {
        var item = _records.Add(Multipart(size: PartSize + 1));
        _objects.Joining = MultipartCompletion.NoSuchUpload;
        _objects.Put(UploadKey(item), PartSize + 1, item.ContentType);

        var result = await _completion.CompleteAsync(Owner, item.Id, [new(1, "a"), new(2, "b")], Ct);

        Assert.Equal(UploadCompletionOutcome.Completed, result.Outcome);
        Assert.Equal(MediaStatus.Uploaded, item.Status);
    }

    [Fact]
    public async Task An_aborted_or_expired_multipart_upload_is_a_conflict_that_says_to_start_again()
    {
        var item = _records.Add(Multipart(size: PartSize + 1));
        _objects.Joining = MultipartCompletion.NoSuchUpload;

        var result = await _completion.CompleteAsync(Owner, item.Id, [new(1, "a"), new(2, "b")], Ct);

        AssertConflict(result, "The upload no longer exists.", "Delete this item and upload the file again.");
    }

    [Fact]
    public async Task Storage_out_of_reach_fails_the_request_and_leaves_the_item_pending()
    {
        var item = _records.Add(Single(size: 10));
        _objects.Failure = new DependencyUnavailableException("storage", TimeSpan.FromSeconds(2), null);

        await Assert.ThrowsAsync<DependencyUnavailableException>(() => _completion.CompleteAsync(Owner, item.Id, null, Ct));

        AssertStillPending(item);
    }

    [Fact]
    public async Task A_concurrent_completion_that_got_there_first_is_a_success_for_this_request_too()
    {
        var item = _records.Add(Single(size: 10));
        _objects.Put(UploadKey(item), 10, item.ContentType);
        _records.BeforeMark = () => item.Status = MediaStatus.Uploaded; // the other request commits first

        var result = await _completion.CompleteAsync(Owner, item.Id, null, Ct);

        Assert.Equal(UploadCompletionOutcome.Completed, result.Outcome);
        Assert.Equal(MediaStatus.Uploaded, result.Status);
        Assert.Equal(0, _records.Marked);
    }

    [Fact]
    public async Task An_item_deleted_while_it_was_being_completed_is_not_found()
    {
        var item = _records.Add(Single(size: 10));
        _objects.Put(UploadKey(item), 10, item.ContentType);
        _records.BeforeMark = () => _records.Remove(item.Id);

        var result = await _completion.CompleteAsync(Owner, item.Id, null, Ct);

        Assert.Equal(UploadCompletionOutcome.NotFound, result.Outcome);
    }

    [Fact]
    public async Task An_item_that_stayed_pending_although_marking_it_changed_nothing_is_a_conflict_to_retry()
    {
        var item = _records.Add(Single(size: 10));
        _objects.Put(UploadKey(item), 10, item.ContentType);
        _records.MarkChangesNothing = true;

        var result = await _completion.CompleteAsync(Owner, item.Id, null, Ct);

        AssertConflict(result, "The upload could not be recorded.", "complete it again");
    }

    /// <summary>Not marked uploaded, so no message was queued for the Worker.</summary>
    private void AssertStillPending(MediaItem item)
    {
        Assert.Equal(MediaStatus.Pending, item.Status);
        Assert.Equal(0, _records.Marked);
    }

    [Theory]
    [InlineData(11L, "image/png")]
    [InlineData(10L, "application/pdf")]
    public async Task An_upload_that_does_not_match_the_declaration_is_removed_from_storage(long storedSize, string storedType)
    {
        var item = _records.Add(Single(size: 10));
        _objects.Put(UploadKey(item), storedSize, storedType);

        var result = await _completion.CompleteAsync(Owner, item.Id, null, Ct);

        Assert.Equal(UploadCompletionOutcome.Conflict, result.Outcome);
        Assert.False(_objects.Has(UploadKey(item)));
        Assert.False(_objects.Has(item.ObjectKey));
    }

    [Fact]
    public async Task A_verified_upload_is_copied_to_the_original_and_the_upload_removed()
    {
        var item = _records.Add(Single(size: 10));
        _objects.Put(UploadKey(item), 10, item.ContentType);

        var result = await _completion.CompleteAsync(Owner, item.Id, null, Ct);

        Assert.Equal(UploadCompletionOutcome.Completed, result.Outcome);
        Assert.True(_objects.Has(item.ObjectKey));
        Assert.False(_objects.Has(UploadKey(item)));
        Assert.Contains($"promote {UploadKey(item)} -> {item.ObjectKey}", _objects.Calls);
    }

    [Fact]
    public async Task An_upload_replaced_between_the_check_and_the_copy_is_not_copied()
    {
        var item = _records.Add(Single(size: 10));
        _objects.Put(UploadKey(item), 10, item.ContentType);
        _objects.PromotionRefused = true; // S3 answers 412 to x-amz-copy-source-if-match

        var result = await _completion.CompleteAsync(Owner, item.Id, null, Ct);

        AssertConflict(result, "The upload changed while it was being completed.", "complete again");
        AssertStillPending(item);
        Assert.False(_objects.Has(item.ObjectKey));
    }

    [Fact]
    public async Task An_upload_copied_by_an_earlier_request_whose_answer_was_lost_is_completed()
    {
        var item = _records.Add(Single(size: 10));
        _objects.Put(item.ObjectKey, 10, item.ContentType);

        var result = await _completion.CompleteAsync(Owner, item.Id, null, Ct);

        Assert.Equal(UploadCompletionOutcome.Completed, result.Outcome);
        Assert.Equal(MediaStatus.Uploaded, item.Status);
    }

    [Fact]
    public async Task The_original_copied_for_an_item_deleted_meanwhile_is_removed_again()
    {
        var item = _records.Add(Single(size: 10));
        _objects.Put(UploadKey(item), 10, item.ContentType);
        _records.BeforeMark = () => _records.Remove(item.Id);

        var result = await _completion.CompleteAsync(Owner, item.Id, null, Ct);

        Assert.Equal(UploadCompletionOutcome.NotFound, result.Outcome);
        Assert.False(_objects.Has(item.ObjectKey));
        Assert.False(_objects.Has(UploadKey(item)));
    }

    private static string UploadKey(MediaItem item) => MediaObjectKeys.Upload(item.OwnerId, item.Id);

    private static void AssertConflict(UploadCompletionResult result, string title, string detailPart)
    {
        Assert.Equal(UploadCompletionOutcome.Conflict, result.Outcome);
        Assert.Equal(title, result.Title);
        Assert.Contains(detailPart, result.Detail);
    }

    private static MediaItem Single(long size, MediaStatus status = MediaStatus.Pending)
    {
        var id = Guid.NewGuid();
        return new MediaItem
        {
            Id = id,
            OwnerId = Owner,
            FileName = "a.png",
            ContentType = "image/png",
            Size = size,
            ObjectKey = MediaObjectKeys.Original(Owner, id),
            Status = status,
        };
    }

    private static MediaItem Multipart(long size)
    {
        var item = Single(size);
        item.MultipartUploadId = "upload-1";
        item.MultipartPartSize = PartSize;
        return item;
    }

    /// <summary>Rows as <see cref="MediaStore"/> keeps them: scoped to the owner; marking moves pending to uploaded once.</summary>
    private sealed class FakeRecords : IUploadRecords
    {
        private readonly Dictionary<Guid, MediaItem> _items = [];

        public int Marked { get; private set; }

        public Action? BeforeMark { get; set; }

        public bool MarkChangesNothing { get; set; }

        public MediaItem Add(MediaItem item) => _items[item.Id] = item;

        public void Remove(Guid id) => _items.Remove(id);

        public Task<MediaItem?> FindForUpdateAsync(Guid ownerId, Guid id, CancellationToken ct) =>
            Task.FromResult(_items.TryGetValue(id, out var item) && item.OwnerId == ownerId ? item : null);

        public Task<bool> MarkUploadedAsync(Guid ownerId, Guid id, CancellationToken ct)
        {
            BeforeMark?.Invoke();
            if (MarkChangesNothing || !_items.TryGetValue(id, out var item) || item.OwnerId != ownerId || item.Status != MediaStatus.Pending)
            {
                return Task.FromResult(false);
            }

            item.Status = MediaStatus.Uploaded;
            item.MultipartUploadId = null;
            Marked++;
            return Task.FromResult(true);
        }
    }

    /// <summary>A bucket: objects by key, and what joining a multipart upload does.</summary>
    private sealed class FakeObjects : IUploadedObjects
    {
        private readonly Dictionary<string, StoredObject> _stored = [];
        private (string Key, StoredObject Object)? _joinsInto;

        public List<string> Calls { get; } = [];

        public List<UploadedPart> JoinedParts { get; } = [];

        public MultipartCompletion Joining { get; set; } = MultipartCompletion.Completed;

        public Exception? Failure { get; set; }

        public void Put(string key, long size, string contentType) => _stored[key] = new StoredObject(size, contentType);

        public void JoinsInto(string key, long size, string contentType) => _joinsInto = (key, new StoredObject(size, contentType));

        public Task<MultipartCompletion> CompleteMultipartUploadAsync(string key, string uploadId, IEnumerable<UploadedPart> parts, CancellationToken cancellationToken)
        {
            Calls.Add($"complete {key}");
            ThrowIfFailing();
            JoinedParts.AddRange(parts);
            if (Joining == MultipartCompletion.Completed && _joinsInto is { } joined)
            {
                _stored[joined.Key] = joined.Object;
            }

            return Task.FromResult(Joining);
        }

        public Task<StoredObject?> HeadAsync(string key, CancellationToken cancellationToken)
        {
            Calls.Add($"head {key}");
            ThrowIfFailing();
            return Task.FromResult(_stored.GetValueOrDefault(key));
        }

        public bool PromotionRefused { get; set; }

        public bool Has(string key) => _stored.ContainsKey(key);

        public Task<bool> PromoteAsync(string uploadKey, string originalKey, string? eTag, CancellationToken cancellationToken)
        {
            Calls.Add($"promote {uploadKey} -> {originalKey}");
            ThrowIfFailing();
            if (PromotionRefused || !_stored.TryGetValue(uploadKey, out var upload))
            {
                return Task.FromResult(false);
            }

            _stored[originalKey] = upload;
            return Task.FromResult(true);
        }

        public Task DeleteAsync(IEnumerable<string> keys, CancellationToken cancellationToken)
        {
            ThrowIfFailing();
            foreach (var key in keys)
            {
                Calls.Add($"delete {key}");
                _stored.Remove(key);
            }

            return Task.CompletedTask;
        }

        private void ThrowIfFailing()
        {
            if (Failure is not null)
            {
                throw Failure;
            }
        }
    }
}
