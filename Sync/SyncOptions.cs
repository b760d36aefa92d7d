namespace Diaryx.Sync.Lite.Sync;

/// <summary>Limits of the sync endpoints.</summary>
public sealed record SyncOptions
{
    /// <summary>Largest WebSocket message accepted; bigger ones close the connection with 1009.</summary>
    public int MaxMessageBytes { get; init; } = 16 << 20;

    /// <summary>Messages queued for one connection before it counts as too slow and is dropped.</summary>
    public int SendQueueCapacity { get; init; } = 8192;

    /// <summary>Bytes queued for one connection before it counts as too slow and is dropped.</summary>
    public long SendQueueBytes { get; init; } = 16 << 20;

    /// <summary>Documents one connection may have open at once.</summary>
    public int MaxDocumentsPerConnection { get; init; } = 10_000;

    /// <summary>Frames kept for a document while its Files-Ready handshake is pending.</summary>
    public int MaxQueuedFramesPerHandshake { get; init; } = 64;
}
