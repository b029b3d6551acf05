using System.Diagnostics;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Platform.Api.Data;
using Platform.Caching;
using Platform.Data;
using Platform.Media;
using Platform.Messaging;
using Platform.Messaging.Outbox;

namespace Platform.Api.Features.Media;

/// <summary>
/// Media rows: writes on the primary, each followed by a new stamp for the owner (<see cref="OwnerStamps"/>), which
/// puts everything cached of the owner out of reach; reads from where <see cref="ReadSourceAsync"/> says — the read
/// replica, or the primary right after a change (so the user reads their own writes) or without Redis. Nothing here is
/// cached: what is read is rendered and cached as a response (<see cref="MediaResponses"/>).
/// Every query is scoped to the owner: another user's id is simply not found.
/// </summary>
public sealed class MediaStore(
    PlatformDbContext primary,
    PlatformReadDbContext replica,
    OwnerStamps stamps,
    Outbox<PlatformDbContext> outbox,
    TimeProvider clock,
    IOptions<MediaOptions> options) : IUploadRecords
{
    /// <summary>A new pending item with its server-chosen id and object key, not saved yet (see <see cref="AddAsync"/>).</summary>
    public MediaItem New(Guid ownerId, string fileName, string contentType, long size)
    {
        var now = clock.GetUtcNow();
        var id = Guid.CreateVersion7(now);
        return new MediaItem
        {
            Id = id,
            OwnerId = ownerId,
            FileName = fileName,
            ContentType = contentType,
            Size = size,
            ObjectKey = MediaObjectKeys.Original(ownerId, id),
            UploadExpiresAt = now + options.Value.UploadUrlLifetime,
            Status = MediaStatus.Pending,
            CreatedAt = now,
            UpdatedAt = now,
        };
    }

    /// <summary>
    /// Saves the new item unless it would take its owner beyond a quota (<c>Media:QuotaItems</c>, <c>Media:QuotaBytes</c>);
    /// then nothing is saved and the quota is returned. Every item counts — pending ones too, until they expire — because
    /// a pending item's URL may still store its bytes. One owner's creates take turns on a transaction-scoped advisory
    /// lock, so two at once can never both fit into the last free space.
    /// </summary>
    public async Task<QuotaExceeded?> AddWithinQuotaAsync(MediaItem item, CancellationToken ct)
    {
        var settings = options.Value;
        var expiredBefore = clock.GetUtcNow() - settings.PendingUploadGrace;
        await using (var transaction = await primary.Database.BeginTransactionAsync(ct))
        {
            var (lockClass, lockObject) = QuotaLock(item.OwnerId);
            await primary.Database.ExecuteSqlAsync($"SELECT pg_advisory_xact_lock({lockClass}, {lockObject})", ct);
            var usage = await primary.MediaItems
                .Where(m => m.OwnerId == item.OwnerId)
                .Where(m => m.Status != MediaStatus.Pending || m.UploadExpiresAt == null || m.UploadExpiresAt >= expiredBefore)
                .GroupBy(m => m.OwnerId)
                .Select(g => new { Items = g.Count(), Bytes = g.Sum(m => m.Size) })
                .FirstOrDefaultAsync(ct);
            var (items, bytes) = (usage?.Items ?? 0, usage?.Bytes ?? 0);
            if (items + 1 > settings.QuotaItems)
            {
                return new QuotaExceeded("Media:QuotaItems", "items", settings.QuotaItems, items);
            }

            if (bytes + item.Size > settings.QuotaBytes)
            {
                return new QuotaExceeded("Media:QuotaBytes", "bytes", settings.QuotaBytes, bytes);
            }

            primary.MediaItems.Add(item);
            await primary.SaveChangesAsync(ct);
            await transaction.CommitAsync(ct);
        }

        await stamps.InvalidateAsync(item.OwnerId);
        return null;
    }

    /// <summary>The advisory lock of an owner's quota: a class of its own ("MQta"), the owner's id folded to 32 bits.</summary>
    private static (int Class, int Object) QuotaLock(Guid ownerId)
    {
        Span<byte> bytes = stackalloc byte[16];
        ownerId.TryWriteBytes(bytes);
        var folded = BitConverter.ToInt32(bytes[..4]) ^ BitConverter.ToInt32(bytes[4..8]) ^ BitConverter.ToInt32(bytes[8..12]) ^ BitConverter.ToInt32(bytes[12..]);
        return (0x4D517461, folded);
    }

    /// <summary>
    /// Removes up to <paramref name="batchSize"/> pending items whose upload expired before <paramref name="expiredBefore"/>
    /// and, in the same transaction, asks the Worker to remove their objects (<c>media.deleted</c>), exactly as a delete by
    /// the owner does. <c>FOR UPDATE SKIP LOCKED</c>: several Api instances sweeping at once take different rows, and a
    /// row a completion is updating right now is left for the next sweep (the completion's conditional update decides).
    /// </summary>
    public async Task<IReadOnlyList<ExpiredUpload>> DeleteExpiredUploadsAsync(DateTimeOffset expiredBefore, int batchSize, CancellationToken ct)
    {
        List<ExpiredUpload> expired;
        await using (var transaction = await primary.Database.BeginTransactionAsync(ct))
        {
            expired = await primary.Database.SqlQuery<ExpiredUpload>($"""
                DELETE FROM media_items
                WHERE id IN (
                    SELECT id FROM media_items
                    WHERE status = 'pending' AND upload_expires_at < {expiredBefore}
                    ORDER BY upload_expires_at
                    LIMIT {batchSize}
                    FOR UPDATE SKIP LOCKED)
                  AND status = 'pending'
                RETURNING id AS "Id", owner_id AS "OwnerId", multipart_upload_id AS "MultipartUploadId"
                """).ToListAsync(ct);
            if (expired.Count == 0)
            {
                return expired;
            }

            foreach (var upload in expired)
            {
                outbox.Enqueue(MessageTypes.MediaDeleted,
                    new MediaDeletedMessage(upload.Id, upload.OwnerId, MediaObjectKeys.All(upload.OwnerId, upload.Id)));
            }

            await primary.SaveChangesAsync(ct);
            await transaction.CommitAsync(ct);
        }

        await outbox.SendAsync();
        foreach (var owner in expired.Select(e => e.OwnerId).Distinct())
        {
            await stamps.InvalidateAsync(owner);
        }

        return expired;
    }

    /// <summary>The owner's item, read from the primary (for decisions that lead to a write).</summary>
    public Task<MediaItem?> FindForUpdateAsync(Guid ownerId, Guid id, CancellationToken ct) =>
        primary.MediaItems.AsNoTracking().SingleOrDefaultAsync(m => m.Id == id && m.OwnerId == ownerId, ct);

    /// <summary>
    /// Pending → uploaded, once, and <c>media.uploaded</c> for the Worker in the same transaction: once the status is
    /// committed the message will be sent — at once, by this request, or by the dispatcher should that fail. True for the request that made the change;
    /// a concurrent or repeated completion finds the status already moved and changes (and sends) nothing. A multipart
    /// upload is closed by then, so its id goes.
    /// </summary>
    public async Task<bool> MarkUploadedAsync(Guid ownerId, Guid id, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var traceId = Activity.Current?.TraceId.ToHexString();
        await using (var transaction = await primary.Database.BeginTransactionAsync(ct))
        {
            var changed = await primary.MediaItems
                .Where(m => m.Id == id && m.OwnerId == ownerId && m.Status == MediaStatus.Pending)
                .ExecuteUpdateAsync(s => s
                    .SetProperty(m => m.Status, MediaStatus.Uploaded)
                    .SetProperty(m => m.UploadedAt, now)
                    .SetProperty(m => m.UpdatedAt, now)
                    .SetProperty(m => m.MultipartUploadId, (string?)null)
                    .SetProperty(m => m.UploadExpiresAt, (DateTimeOffset?)null)
                    .SetProperty(m => m.CompleteTraceId, traceId), ct);
            if (changed == 0)
            {
                return false;
            }

            outbox.Enqueue(MessageTypes.MediaUploaded, new MediaUploadedMessage(id, ownerId, now));
            await primary.SaveChangesAsync(ct);
            await transaction.CommitAsync(ct);
        }

        // Committed: the Worker's message leaves now, within this request (the dispatcher sends it should this fail).
        await outbox.SendAsync();
        await stamps.InvalidateAsync(ownerId);
        return true;
    }

    /// <summary>
    /// Removes the row and, in the same transaction, asks the Worker (<c>media.deleted</c>) to remove the item's objects:
    /// the caller removes them at once too, and whatever that misses (S3 down, a crash) the Worker removes later.
    /// Returns null when there was no row, else what is left to clean up in S3 besides the objects: the id of a multipart
    /// upload still open (read just before the delete; should a concurrent complete close it meanwhile, aborting it finds
    /// nothing, which is fine).
    /// </summary>
    public async Task<DeletedMedia?> DeleteAsync(Guid ownerId, Guid id, CancellationToken ct)
    {
        string? uploadId;
        await using (var transaction = await primary.Database.BeginTransactionAsync(ct))
        {
            var mine = primary.MediaItems.Where(m => m.Id == id && m.OwnerId == ownerId);
            uploadId = await mine.Select(m => m.MultipartUploadId).FirstOrDefaultAsync(ct);
            if (await mine.ExecuteDeleteAsync(ct) == 0)
            {
                return null;
            }

            outbox.Enqueue(MessageTypes.MediaDeleted, new MediaDeletedMessage(id, ownerId, MediaObjectKeys.All(ownerId, id)));
            await primary.SaveChangesAsync(ct);
            await transaction.CommitAsync(ct);
        }

        await outbox.SendAsync();
        await stamps.InvalidateAsync(ownerId);
        return new DeletedMedia(uploadId);
    }

    /// <summary>The owner's item, read where <see cref="ReadSourceAsync"/> says.</summary>
    public async Task<MediaItem?> GetAsync(Guid ownerId, Guid id, CancellationToken ct) =>
        await GetAsync(await ReadSourceAsync(ownerId, ct), ownerId, id, ct);

    /// <summary>The owner's item, read from <paramref name="source"/>'s database.</summary>
    public Task<MediaItem?> GetAsync(MediaReadSource source, Guid ownerId, Guid id, CancellationToken ct) =>
        source.Db.MediaItems.AsNoTracking().SingleOrDefaultAsync(m => m.Id == id && m.OwnerId == ownerId, ct);

    /// <summary>
    /// The status of each of <paramref name="ids"/> that is the owner's, in one query, ordered by id. Ids that are not the
    /// owner's (someone else's, deleted, never were) are simply not in the answer.
    /// </summary>
    public async Task<IReadOnlyList<MediaItemStatus>> StatusesAsync(MediaReadSource source, Guid ownerId, IReadOnlyList<Guid> ids, CancellationToken ct)
    {
        var wanted = ids.ToArray();
        var rows = await source.Db.MediaItems.AsNoTracking()
            .Where(m => m.OwnerId == ownerId && wanted.Contains(m.Id))
            .Select(m => new MediaItemStatus(m.Id, m.Status, m.FailureReason))
            .ToListAsync(ct);
        // In .NET's order of ids, as the answer has always been (PostgreSQL orders uuids differently).
        return [.. rows.OrderBy(r => r.Id)];
    }

    /// <summary>A page of the owner's items, newest first, and how many the owner has, from <paramref name="source"/>'s database.</summary>
    public async Task<MediaPage> ListAsync(MediaReadSource source, Guid ownerId, int page, int pageSize, CancellationToken ct)
    {
        var mine = source.Db.MediaItems.AsNoTracking().Where(m => m.OwnerId == ownerId);
        var total = await mine.CountAsync(ct);
        var items = await mine
            .OrderByDescending(m => m.CreatedAt).ThenByDescending(m => m.Id)
            .Skip((page - 1) * pageSize).Take(pageSize)
            .ToListAsync(ct);
        return new MediaPage(items, total);
    }

    /// <summary>
    /// The owner's cache stamp, and where reads go: the primary just after a change, else the replica. Whatever is
    /// rendered from reads under one stamp may be cached under it. Without Redis there is no stamp: the caller reads the
    /// primary (never a replica that may lag behind) and caches nothing.
    /// </summary>
    public async Task<MediaReadSource> ReadSourceAsync(Guid ownerId, CancellationToken ct)
    {
        var stamp = await stamps.GetAsync(ownerId, ct);
        return new MediaReadSource(stamp, stamp is null || clock.GetUtcNow() - stamp.ChangedAt < options.Value.ReadYourWritesWindow ? primary : replica);
    }
}

/// <summary>
/// An owner's current cache stamp and the database reads go to (and cache misses are rendered from); no stamp when
/// Redis cannot be reached, and then nothing may be cached.
/// </summary>
public sealed record MediaReadSource(OwnerStamp? Stamp, PlatformDbContext Db);

/// <summary>A page of the owner's items and how many items the owner has in all.</summary>
public sealed record MediaPage(IReadOnlyList<MediaItem> Items, int TotalCount);

/// <summary>Where one item is, for a batch status answer: its status and, once it failed, why.</summary>
public sealed record MediaItemStatus(Guid Id, MediaStatus Status, string? FailureReason);

/// <summary>Which quota a new item would exceed: its setting, its unit, the limit and what the owner already uses.</summary>
public sealed record QuotaExceeded(string Setting, string Unit, long Limit, long Used);

/// <summary>A pending item the sweep removed: whose it was, and the multipart upload to abort, if one was open.</summary>
public sealed class ExpiredUpload
{
    public Guid Id { get; set; }

    public Guid OwnerId { get; set; }

    public string? MultipartUploadId { get; set; }
}

/// <summary>A deleted item's leftovers in S3 beyond its objects: the multipart upload still open, if any.</summary>
public sealed record DeletedMedia(string? MultipartUploadId);
