using Diaryx.Sync.Lite.Yjs;

namespace Diaryx.Sync.Lite.Documents;

/// <summary>
/// Reads and changes documents by id, whoever holds them: the live server's <see cref="DocumentHub"/>
/// (<see cref="HubDocumentEditor"/>: changes are logged and relayed to connected peers) or, offline,
/// the database directly (<c>Storage.OfflineDocumentEditor</c>: snapshot + log replay, and each change
/// appended to the log). Services that work on whole workspaces (snapshot export and import) are
/// written against this, so the HTTP API and the command line share them.
/// </summary>
public interface IDocumentEditor
{
    /// <summary>Runs <paramref name="read"/> on the document (empty if it does not exist yet).</summary>
    Task<T> ReadAsync<T>(string docId, Func<YDoc, T> read, CancellationToken cancellationToken = default);

    /// <summary>
    /// Runs <paramref name="edit"/> on the document in one transaction and stores the resulting update
    /// durably (nothing is stored if nothing changed).
    /// </summary>
    Task EditAsync(string docId, Action<YDoc> edit, CancellationToken cancellationToken = default);
}
