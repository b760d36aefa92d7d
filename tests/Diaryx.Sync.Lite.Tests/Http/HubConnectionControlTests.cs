using Diaryx.Sync.Lite.Documents;
using Diaryx.Sync.Lite.Storage;
using Diaryx.Sync.Lite.Tests.Storage;
using Diaryx.Sync.Lite.Yjs;
using Diaryx.Sync.Lite.Yjs.Protocols;
using Microsoft.Extensions.Logging.Abstractions;

namespace Diaryx.Sync.Lite.Tests.Http;

/// <summary>
/// The hub capabilities account and device removal use: closing the connections of matching authors
/// (<see cref="DocumentHub.DisconnectAsync"/>) and dropping live documents without saving them
/// (<see cref="DocumentHub.CloseDocumentsAsync"/>).
/// </summary>
public sealed class HubConnectionControlTests : IAsyncLifetime
{
    private sealed class Peer : IDocumentPeer
    {
        public List<string> Aborted { get; } = [];
        public List<string> Closed { get; } = [];

        public bool TrySend(string docId, byte[] message) => true;

        public bool TrySendText(string text) => true;

        public void Abort(string reason) => Aborted.Add(reason);

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
    public async Task Disconnect_aborts_each_matching_peer_once_across_documents()
    {
        var alice = new UpdateAuthor("alice", "alice-laptop", null);
        var alicePhone = new UpdateAuthor("alice", "alice-phone", null);
        var bob = new UpdateAuthor("bob", "bob-laptop", null);
        var (laptop, phone, bobPeer) = (new Peer(), new Peer(), new Peer());
        foreach (var doc in (string[])["workspace:w1", "body:w1/a.md", "body:w1/b.md"])
        {
            await _hub.JoinAsync(doc, laptop, alice, readOnly: false);
            await _hub.JoinAsync(doc, bobPeer, bob, readOnly: false);
        }

        await _hub.JoinAsync("body:w1/a.md", phone, alicePhone, readOnly: false);
        Assert.Equal(3, _hub.ActiveCount);

        Assert.Equal(1, await _hub.DisconnectAsync(a => a.DeviceId == "alice-phone", "device removed"));
        Assert.Equal(["device removed"], phone.Aborted);
        Assert.Empty(laptop.Aborted);

        Assert.Equal(2, await _hub.DisconnectAsync(a => a.UserId == "alice", "account deleted"));
        Assert.Equal(["account deleted"], laptop.Aborted);
        Assert.Empty(bobPeer.Aborted);
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
