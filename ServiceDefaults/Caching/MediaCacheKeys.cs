namespace Platform.Caching;

/// <summary>
/// Every Redis key of the media cache, and the patterns that match them; nothing else spells them.
/// <list type="bullet">
/// <item>The owner's <em>stamp</em> (<see cref="Stamp"/>): written by the Api and the Worker whenever the owner's data
/// changes (<c>OwnerStamps</c>), read by the Api before every cached read.</item>
/// <item>Rendered responses (<see cref="ItemResponse"/>, <see cref="PageResponse"/>, <see cref="StatusesResponse"/>):
/// the Api's answers as JSON bytes with their ETag, filed under the owner's current stamp, so a change (a new stamp) puts
/// every one of them out of reach on every Api instance at once. Responses that carry signed URLs are filed per URL
/// window and signing generation too: they are only valid with the URLs of that window and those credentials.</item>
/// </list>
/// <para>
/// <see cref="Version"/> is in every key. Change it when what a key holds changes shape — the stamp's JSON, the
/// serialized form of a rendered response, or the JSON of a response itself (an added field too: otherwise the cache
/// serves the old shape until its entries expire). The stamp's key moves with it, so for the length of a rolling deploy
/// an old Worker's changes do not reach the new Api instances' cache (entries live <c>Media:RenderedCacheExpiration</c>
/// at most).
/// </para>
/// <para>
/// Free of any dependency, so the AppHost compiles this very file too: the Redis users' key patterns
/// (<see cref="All"/> for the Api, <see cref="StampPattern"/> for the Worker) follow the keys.
/// </para>
/// </summary>
public static class MediaCacheKeys
{
    /// <summary>The version segment of every media cache key.</summary>
    public const string Version = "v1";

    private const string Prefix = "media:" + Version + ":";
    private const string StampPrefix = Prefix + "stamp:";

    /// <summary>Every key of the media cache: the stamps and the rendered responses.</summary>
    public const string All = Prefix + "*";

    /// <summary>Every owner's stamp, and nothing else: all the Worker may write.</summary>
    public const string StampPattern = StampPrefix + "*";

    public static string Stamp(Guid ownerId) => $"{StampPrefix}{ownerId:N}";

    /// <summary>
    /// The item's response under the owner's stamp <paramref name="stampVersion"/>, with URLs signed in URL window
    /// <paramref name="window"/> by credentials of <paramref name="signing"/>; also "no such item".
    /// </summary>
    public static string ItemResponse(Guid ownerId, Guid stampVersion, Guid mediaId, long window, string signing) =>
        $"{Responses(ownerId, stampVersion)}item:{mediaId:N}:{window}:{signing}";

    /// <summary>A page of the owner's list, like <see cref="ItemResponse"/>.</summary>
    public static string PageResponse(Guid ownerId, Guid stampVersion, int page, int pageSize, long window, string signing) =>
        $"{Responses(ownerId, stampVersion)}list:{page}:{pageSize}:{window}:{signing}";

    /// <summary>
    /// The statuses of a set of the owner's items (no URLs); <paramref name="idsHash"/> names the set (a hash of the sorted
    /// ids: a set of 60 ids written out would pass the cache's key length limit).
    /// </summary>
    public static string StatusesResponse(Guid ownerId, Guid stampVersion, string idsHash) =>
        $"{Responses(ownerId, stampVersion)}statuses:{idsHash}";

    /// <summary>The item's responses under any stamp, window and signing generation.</summary>
    public static string ItemResponsePattern(Guid mediaId) => $"{Prefix}*:response:item:{mediaId:N}:*";

    // "response" keeps these apart from the snapshots this prefix held before (…:{stamp}:item:{id} and the like), which
    // a release that still reads them may be looking for while a deploy rolls.
    private static string Responses(Guid ownerId, Guid stampVersion) => $"{Prefix}{ownerId:N}:{stampVersion:N}:response:";
}
