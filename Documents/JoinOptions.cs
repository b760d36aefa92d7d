namespace Diaryx.Sync.Lite.Documents;

/// <summary>What the hub sends a peer as it joins a document.</summary>
[Flags]
public enum JoinGreeting
{
    None = 0,

    /// <summary>SyncStep1 with the document's state vector (the y-websocket opening).</summary>
    StateVector = 1,

    /// <summary>Every awareness state, even when there are none.</summary>
    Awareness = 2,

    /// <summary>Every awareness state, but only when there are some (what the y-websocket server does).</summary>
    AwarenessIfAny = 4,

    /// <summary>SyncStep2 with the whole document, so the peer has everything without asking.</summary>
    FullState = 8,
}

/// <summary>How a peer takes part in a document: its greeting, what it is sent, how its SyncStep1 is answered. Joining again changes them.</summary>
public sealed record JoinOptions
{
    /// <summary>The y-websocket behaviour: state vector and awareness on join, awareness relayed, SyncStep1 answered with SyncStep2.</summary>
    public static JoinOptions Default { get; } = new();

    public JoinGreeting Greeting { get; init; } = JoinGreeting.StateVector | JoinGreeting.Awareness;

    /// <summary>False for peers whose clients do not speak awareness: they get no awareness greeting or relays.</summary>
    public bool ReceivesAwareness { get; init; } = true;

    /// <summary>
    /// Answer a SyncStep1 with SyncStep2 and then the document's own SyncStep1, so the client sends
    /// back what the server lacks (the y-sync convention of the Rust clients).
    /// </summary>
    public bool AnswerStep1WithStep1 { get; init; }

    /// <summary>False while the peer should not get relayed changes yet (a v1 metadata socket before files_ready).</summary>
    public bool ReceivesUpdates { get; init; } = true;

    /// <summary>
    /// A text built from the document and sent before the binary greeting (v1's <c>crdt_state</c>). Like
    /// <see cref="JoinGreeting.FullState"/> it carries the whole document, so earlier changes are not relayed after it.
    /// </summary>
    public Func<Yjs.YDoc, string>? GreetingText { get; init; }
}
