using Diaryx.Sync.Lite.Yjs;

namespace Diaryx.Sync.Lite.Documents;

/// <summary>One logged update of a document.</summary>
public sealed record StoredUpdate(long Id, byte[] Data);

/// <summary>What storage holds for a document: the latest snapshot and the log entries after it.</summary>
public sealed record StoredDocument(byte[]? Snapshot, IReadOnlyList<StoredUpdate> Updates)
{
    public static readonly StoredDocument Empty = new(null, []);

    /// <summary>
    /// The document as stored: the snapshot, then the log replayed in order. An unreadable snapshot
    /// is an error (starting empty over it would overwrite it later); an unreadable log entry is
    /// skipped and reported to <paramref name="skipped"/>.
    /// </summary>
    public YDoc ToDoc(string docId, Action<StoredUpdate, YjsDecodeException>? skipped = null)
    {
        var doc = new YDoc();
        if (Snapshot != null)
        {
            try
            {
                doc.ApplyUpdate(Snapshot);
            }
            catch (YjsDecodeException exception)
            {
                throw new DocumentUnavailableException($"{docId}: the stored snapshot is unreadable", exception);
            }
        }
        foreach (var update in Updates)
        {
            try
            {
                doc.ApplyUpdate(update.Data);
            }
            catch (YjsDecodeException exception)
            {
                skipped?.Invoke(update, exception);
            }
        }
        return doc;
    }
}

/// <summary>Who wrote an update: a device of a user, or a share-session guest.</summary>
public sealed record UpdateAuthor(string? UserId, string? DeviceId, string? GuestId)
{
    public static readonly UpdateAuthor Server = new(null, null, null);

    /// <summary>The share session a guest came through (so its permissions can change live).</summary>
    public string? SessionCode { get; init; }
}

/// <summary>
/// Durable storage of documents as a snapshot plus an append-only log of raw update v1 bytes.
/// Implementations group commits across documents; every method is safe to call concurrently.
/// </summary>
public interface IDocumentStore
{
    /// <summary>The latest snapshot (or null) and every logged update after it, oldest first.</summary>
    Task<StoredDocument> LoadAsync(string docId, CancellationToken cancellationToken = default);

    /// <summary>Appends an update; the task completes once it is committed (durable). Returns its log id (growing per document).</summary>
    Task<long> AppendAsync(string docId, byte[] update, UpdateAuthor author, CancellationToken cancellationToken = default);

    /// <summary>
    /// Atomically replaces the document's snapshot with <paramref name="snapshot"/> and deletes every log
    /// entry appended before this call (writes take effect in call order, so the snapshot must contain
    /// exactly those). Completes once committed.
    /// </summary>
    Task CompactAsync(string docId, byte[] snapshot, CancellationToken cancellationToken = default);

    /// <summary>Ids of every stored document (with a snapshot or log entries) whose id starts with <paramref name="prefix"/>.</summary>
    Task<IReadOnlyList<string>> ListAsync(string prefix, CancellationToken cancellationToken = default);
}
