using Diaryx.Sync.Lite.Documents;
using Diaryx.Sync.Lite.Storage;
using Diaryx.Sync.Lite.Tests.Infrastructure;

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

    private readonly SqliteHub _sqlite = new();
    private DocumentHub Hub => _sqlite.Hub;
    private SqliteDocumentStore Store => _sqlite.Store;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _sqlite.DisposeAsync();

    [Fact]
    public async Task Closed_documents_are_dropped_unsaved_and_their_peers_told()
    {
        var author = new UpdateAuthor("alice", "laptop", null);
        var (peer, other) = (new Peer(), new Peer());
        await Hub.JoinAsync("body:w1/a.md", peer, author, readOnly: false);
        await Hub.JoinAsync("body:w2/a.md", other, author, readOnly: false);
        await Hub.HandleAsync("body:w1/a.md", peer, BodyUpdates.Insert("gone soon"));
        await Hub.HandleAsync("body:w2/a.md", other, BodyUpdates.Insert("stays"));

        Assert.Equal(1, await Hub.CloseDocumentsAsync(id => id.StartsWith("body:w1/", StringComparison.Ordinal)));
        Assert.Equal(["body:w1/a.md"], peer.Closed);
        Assert.Empty(other.Closed);
        Assert.Equal(1, Hub.LoadedCount);

        // The closed copy is not joined any more: its peer's frames are refused, nothing is written.
        await Store.DeleteAsync("body:w1/a.md");
        await Assert.ThrowsAsync<DocumentUnavailableException>(() => Hub.HandleAsync("body:w1/a.md", peer, BodyUpdates.Insert("late")));
        Assert.Equal("", await Hub.ReadAsync("body:w1/a.md", doc => doc.GetText("body").ToString()));
        Assert.Equal("stays", await Hub.ReadAsync("body:w2/a.md", doc => doc.GetText("body").ToString()));
    }
}
