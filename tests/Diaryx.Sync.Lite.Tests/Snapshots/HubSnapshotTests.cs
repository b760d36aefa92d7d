using System.Collections.Concurrent;
using Diaryx.Sync.Lite.Documents;
using Diaryx.Sync.Lite.Storage.Snapshots;
using Diaryx.Sync.Lite.Yjs;
using Diaryx.Sync.Lite.Yjs.Lib0;
using Microsoft.Extensions.Logging.Abstractions;

namespace Diaryx.Sync.Lite.Tests.Snapshots;

/// <summary>Snapshots through the live hub (what the HTTP endpoints will do): connected peers get the import live.</summary>
public sealed class HubSnapshotTests
{
    private sealed class RecordingPeer : IDocumentPeer
    {
        public ConcurrentQueue<(string DocId, byte[] Message)> Messages { get; } = new();

        public bool TrySend(string docId, byte[] message)
        {
            Messages.Enqueue((docId, message));
            return true;
        }

        public bool TrySendText(string text) => true;

        public void Abort(string reason)
        {
        }

        public void DocumentClosed(string docId)
        {
        }
    }

    [Fact]
    public async Task An_import_through_the_hub_reaches_connected_peers_and_storage()
    {
        await using var workspace = new SnapshotTestWorkspace();
        await using var hub = new DocumentHub(workspace.Store, new HubOptions { IdleUnload = TimeSpan.Zero }, NullLogger<DocumentHub>.Instance);
        var editor = new HubDocumentEditor(hub);
        var peer = new RecordingPeer();
        var workspaceDoc = SnapshotTestWorkspace.WorkspaceDoc("live");
        await hub.JoinAsync(workspaceDoc, peer, new UpdateAuthor("u", "d", null), readOnly: false);
        peer.Messages.Clear();

        var zip = TestZip.Of(("a.md", "---\ntitle: A\nupdated: 1000\n---\n\nbody of a"), ("b/c.md", "C"));
        var result = await new SnapshotImporter().ImportAsync("live", new MemoryStream(zip), SnapshotImportMode.Replace, editor);

        Assert.Equal(2, result.FilesImported);
        // The peer was sent the workspace change as a sync update; applying it gives the two files.
        var (docId, message) = Assert.Single(peer.Messages);
        Assert.Equal(workspaceDoc, docId);
        var reader = new Lib0Reader(message);
        Assert.Equal(0, reader.ReadVarUInt()); // sync
        Assert.Equal(2, reader.ReadVarUInt()); // update
        var copy = new YDoc();
        copy.ApplyUpdate(reader.ReadVarBytes());
        Assert.Equal(["a.md", "b/c.md"], WorkspaceFiles.List(copy).Select(f => f.Path));

        // Logged before it was relayed: storage has it, and the hub exports what the offline path exports.
        var viaHub = await SnapshotExporter.ExportAsync(editor, "live");
        Assert.Equal((await workspace.ExportAsync("live")).Zip, viaHub.Zip);
        Assert.Equal(["a.md", "b/c.md"], viaHub.Paths);
        Assert.Equal("body of a", await hub.ReadAsync(SnapshotTestWorkspace.BodyDoc("live", "a.md"), BodyText.Get));
    }
}
