using Diaryx.Sync.Lite.Documents;
using Diaryx.Sync.Lite.Tests.Infrastructure;

namespace Diaryx.Sync.Lite.Tests.Documents;

/// <summary>
/// The hub runs for every frame a peer sends: for a loaded document it must not allocate beyond what
/// the frame's messages need (a closure, delegates and a task per frame were a tenth of the garbage
/// under the fan-out benchmark).
/// </summary>
public sealed class FrameAllocationTests
{
    private sealed class SilentPeer : IDocumentPeer
    {
        public bool TrySend(string docId, byte[] message) => true;
        public bool TrySendText(string text) => true;
        public void Abort(string reason) { }
        public void DocumentClosed(string docId) { }
    }

    [Fact]
    public async Task Handling_a_frame_for_a_loaded_document_allocates_only_the_frame_reader()
    {
        await using var sqlite = new SqliteHub();
        var hub = sqlite.Hub;
        var peer = new SilentPeer();
        await hub.JoinAsync("doc", peer, new UpdateAuthor("u", "d", null), readOnly: false);
        // An auth message (type 2, permission 0, empty reason): read and ignored, it changes nothing.
        byte[] auth = [2, 0, 0];
        await hub.HandleAsync("doc", peer, auth);

        const int frames = 1000;
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < frames; i++)
        {
            var handled = hub.HandleAsync("doc", peer, auth);
            Assert.True(handled.IsCompletedSuccessfully); // all on this thread, so the count below is all of it
            await handled;
        }
        var perFrame = (GC.GetAllocatedBytesForCurrentThread() - before) / frames;

        // The Lib0Reader over the payload is 40 bytes; the closure, delegates and Task<Task> were 300 more.
        Assert.True(perFrame <= 64, $"{perFrame} bytes allocated per frame");
    }
}
