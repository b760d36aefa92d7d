using Diaryx.Sync.Lite.Documents;
using Diaryx.Sync.Lite.Yjs;
using Diaryx.Sync.Lite.Yjs.Utils;

namespace Diaryx.Sync.Lite.Storage;

/// <summary>
/// <see cref="IDocumentEditor"/> straight on an <see cref="IDocumentStore"/>, for offline work
/// (the <c>workspace</c> commands) when no server holds the documents: a document is loaded as its
/// snapshot plus a replay of its log (unreadable log entries are skipped, as the hub does), and each
/// edit appends the update of its transaction to the log. Loaded documents are kept for the editor's
/// lifetime, so a read followed by an edit loads once. Not thread-safe; meant for one command.
/// <para>
/// A server running on the same database at the same time does not see these changes in the
/// documents it already has loaded (they are in the log and appear when it reloads them); run
/// offline commands while the server is stopped, or use the HTTP API.
/// </para>
/// </summary>
public sealed class OfflineDocumentEditor(IDocumentStore store, UpdateAuthor? author = null) : IDocumentEditor
{
    private readonly Dictionary<string, YDoc> _loaded = new(StringComparer.Ordinal);
    private readonly UpdateAuthor _author = author ?? UpdateAuthor.Server;

    public async Task<T> ReadAsync<T>(string docId, Func<YDoc, T> read, CancellationToken cancellationToken = default) =>
        read(await LoadAsync(docId, cancellationToken));

    public async Task EditAsync(string docId, Action<YDoc> edit, CancellationToken cancellationToken = default)
    {
        var doc = await LoadAsync(docId, cancellationToken);
        byte[]? update = null;
        void Capture(byte[] bytes, Transaction _) => update = bytes;
        doc.Updated += Capture;
        try
        {
            doc.Transact(_ => edit(doc));
        }
        catch
        {
            // The document may be half-changed in memory: forget it, storage still has the truth.
            _loaded.Remove(docId);
            throw;
        }
        finally
        {
            doc.Updated -= Capture;
        }
        if (update == null) return;
        try
        {
            await store.AppendAsync(docId, update, _author, cancellationToken);
        }
        catch
        {
            _loaded.Remove(docId);
            throw;
        }
    }

    private async Task<YDoc> LoadAsync(string docId, CancellationToken cancellationToken)
    {
        if (_loaded.TryGetValue(docId, out var loaded)) return loaded;
        var doc = (await store.LoadAsync(docId, cancellationToken)).ToDoc(docId); // unreadable log entries are skipped, as the hub does
        _loaded[docId] = doc;
        return doc;
    }
}
