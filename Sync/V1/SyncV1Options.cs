namespace Diaryx.Sync.Lite.Sync.V1;

/// <summary>Behaviour of <c>/sync</c> (v1).</summary>
public sealed record SyncV1Options
{
    /// <summary>Files-Ready handshake on metadata sockets of non-empty workspaces (<c>--v1-handshake on|off</c>); off = always the full state at once.</summary>
    public bool Handshake { get; init; } = true;

    /// <summary>A multiplexed socket gets <c>sync_complete</c> once this long has passed without it using a new path.</summary>
    public TimeSpan SyncCompleteQuietPeriod { get; init; } = TimeSpan.FromSeconds(3);
}
