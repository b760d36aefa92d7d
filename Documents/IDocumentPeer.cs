namespace Diaryx.Sync.Lite.Documents;

/// <summary>
/// A connection as the hub sees it. Sending never waits: a message goes out at once or is queued, so
/// a slow peer cannot stall a document. Protocol adapters frame the messages for their wire format.
/// </summary>
public interface IDocumentPeer
{
    /// <summary>Queues one y-websocket message (sync or awareness) of <paramref name="docId"/>; false if the peer's queue is full.</summary>
    bool TrySend(string docId, byte[] message);

    /// <summary>Queues a JSON control text; false if the peer's queue is full.</summary>
    bool TrySendText(string text);

    /// <summary>The peer could not keep up or failed: the adapter closes its connection.</summary>
    void Abort(string reason);

    /// <summary>The document was closed under the peer (e.g. storage failed); it must join again to continue.</summary>
    void DocumentClosed(string docId);
}
