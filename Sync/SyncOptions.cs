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

    /// <summary>
    /// How soon after the upgrade a socket must send its first message, or be closed with 1008 (on
    /// <c>/sync2</c> the first message opens, and so authenticates, the first document); null = no limit.
    /// </summary>
    public TimeSpan? FirstMessageTimeout { get; init; }

    /// <summary>How long a socket may go without sending a message before it is closed with 1001; null = no limit.</summary>
    public TimeSpan? IdleTimeout { get; init; }

    /// <summary>Frames kept for a document while its Files-Ready handshake is pending.</summary>
    public int MaxQueuedFramesPerHandshake { get; init; } = 64;
}
