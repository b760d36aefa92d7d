using Diaryx.Sync.Lite.Yjs;

namespace Diaryx.Sync.Lite.Documents;

/// <summary>
/// <see cref="IDocumentEditor"/> over the live <see cref="DocumentHub"/>: reads run under the
/// document's gate, and edits are made as the server (<see cref="UpdateAuthor.Server"/>), logged
/// before they are relayed, so connected clients receive them live.
/// </summary>
public sealed class HubDocumentEditor(DocumentHub hub) : IDocumentEditor
{
    public Task<T> ReadAsync<T>(string docId, Func<YDoc, T> read, CancellationToken cancellationToken = default) =>
        hub.ReadAsync(docId, read, cancellationToken);

    public Task EditAsync(string docId, Action<YDoc> edit, CancellationToken cancellationToken = default) =>
        hub.EditAsync(docId, edit, UpdateAuthor.Server, cancellationToken);
}
