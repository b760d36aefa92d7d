using Diaryx.Sync.Lite.Documents;
using Diaryx.Sync.Lite.Storage;
using Diaryx.Sync.Lite.Tests.Storage;
using Diaryx.Sync.Lite.Yjs;
using Diaryx.Sync.Lite.Yjs.Protocols;
using Microsoft.Extensions.Logging.Abstractions;

namespace Diaryx.Sync.Lite.Tests.Http;

/// <summary>
/// The hub capability workspace and account deletion use: dropping live documents without saving
/// them (<see cref="DocumentHub.CloseDocumentsAsync"/>).
/// </summary>
public sealed class HubConnectionControlTests : IAsyncLifetime
{
    private sealed class Peer : IDocumentPeer
    {
        public List<string> Closed { get; } = [];

        public bool TrySend(string docId, byte[] message) => true;

        public bool TrySendText(string text) => true;

        public void Abort(string reason) => throw new InvalidOperationException($"aborted: {reason}");

        public void DocumentClosed(string docId) => Closed.Add(docId);
    }

    private readonly StorageTestDirectory _dir = new();
    private SqliteDatabase _database = null!;
    private SqliteDocumentStore _store = null!;
    private DocumentHub _hub = null!;

    public Task InitializeAsync()
    {
        _database = new SqliteDatabase(_dir.DbPath);
        _store = new SqliteDocumentStore(_database);
        _hub = new DocumentHub(_store, new HubOptions { IdleUnload = TimeSpan.Zero }, NullLogger<DocumentHub>.Instance);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _hub.DisposeAsync();
        await _store.DisposeAsync();
        _database.Dispose();
        _dir.Dispose();
    }

    private static byte[] Insert(string text)
    {
        var doc = new YDoc();
        doc.GetText("body").Insert(0, text);
        return Messages.Update(doc.EncodeStateAsUpdate());
    }

    [Fact]
    public async Task Closed_documents_are_dropped_unsaved_and_their_peers_told()
    {
        var author = new UpdateAuthor("alice", "laptop", null);
        var (peer, other) = (new Peer(), new Peer());
        await _hub.JoinAsync("body:w1/a.md", peer, author, readOnly: false);
        await _hub.JoinAsync("body:w2/a.md", other, author, readOnly: false);
        await _hub.HandleAsync("body:w1/a.md", peer, Insert("gone soon"));
        await _hub.HandleAsync("body:w2/a.md", other, Insert("stays"));

        Assert.Equal(1, await _hub.CloseDocumentsAsync(id => id.StartsWith("body:w1/", StringComparison.Ordinal)));
        Assert.Equal(["body:w1/a.md"], peer.Closed);
        Assert.Empty(other.Closed);
        Assert.Equal(1, _hub.LoadedCount);

        // The closed copy is not joined any more: its peer's frames are refused, nothing is written.
        await _store.DeleteAsync("body:w1/a.md");
        await Assert.ThrowsAsync<DocumentUnavailableException>(() => _hub.HandleAsync("body:w1/a.md", peer, Insert("late")));
        Assert.Equal("", await _hub.ReadAsync("body:w1/a.md", doc => doc.GetText("body").ToString()));
        Assert.Equal("stays", await _hub.ReadAsync("body:w2/a.md", doc => doc.GetText("body").ToString()));
    }
}
