namespace Diaryx.Sync.Lite.Documents;

/// <summary>Tuning of the document hub.</summary>
public sealed record HubOptions
{
    /// <summary>How long a document with no peers stays loaded; zero keeps every document loaded.</summary>
    public TimeSpan IdleUnload { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Fold the log into a new snapshot after this many updates… (each document compacts somewhere
    /// between once and twice these thresholds, so that documents edited together spread their compactions)
    /// </summary>
    public int CompactAfterUpdates { get; init; } = 1000;

    /// <summary>…or after this many logged bytes, whichever comes first.</summary>
    public long CompactAfterBytes { get; init; } = 1 << 20;

    /// <summary>
    /// A peer's next payload waits for the log once this many of a document's changes (or
    /// <see cref="MaxUnstoredBytes"/>) are accepted but not yet stored: the backlog stays bounded.
    /// </summary>
    public int MaxUnstoredChanges { get; init; } = 1024;

    public long MaxUnstoredBytes { get; init; } = 8 << 20;

    /// <summary>Awareness clients one peer may introduce to a document (a client has one; more is a flood).</summary>
    public int MaxAwarenessClientsPerPeer { get; init; } = 16;

    /// <summary>How often outdated awareness states (not renewed for 30 s) are dropped.</summary>
    public TimeSpan AwarenessCheckInterval { get; init; } = TimeSpan.FromSeconds(5);
}
