namespace Diaryx.Sync.Lite.Documents;

/// <summary>Counters of the hub's work since start (for /api/status and /metrics).</summary>
public sealed class HubMetrics
{
    private long _updatesApplied, _updateBytes, _messagesRelayed, _relayedBytes, _compactions, _rejectedReadOnly;

    public long UpdatesApplied => Interlocked.Read(ref _updatesApplied);
    public long UpdateBytes => Interlocked.Read(ref _updateBytes);
    public long MessagesRelayed => Interlocked.Read(ref _messagesRelayed);
    public long RelayedBytes => Interlocked.Read(ref _relayedBytes);
    public long Compactions => Interlocked.Read(ref _compactions);
    /// <summary>Changes sent by read-only peers and dropped.</summary>
    public long RejectedReadOnly => Interlocked.Read(ref _rejectedReadOnly);

    internal void UpdateApplied(int bytes)
    {
        Interlocked.Increment(ref _updatesApplied);
        Interlocked.Add(ref _updateBytes, bytes);
    }

    internal void Relayed(int bytes)
    {
        Interlocked.Increment(ref _messagesRelayed);
        Interlocked.Add(ref _relayedBytes, bytes);
    }

    internal void Compacted() => Interlocked.Increment(ref _compactions);

    internal void ReadOnlyChangeRejected() => Interlocked.Increment(ref _rejectedReadOnly);
}
