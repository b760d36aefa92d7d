using Microsoft.Extensions.Logging;

namespace Diaryx.Sync.Lite.Sync;

internal static partial class SyncLog
{
    [LoggerMessage(Level = LogLevel.Debug, Message = "Dropped a frame: {Reason}")]
    public static partial void DroppedFrame(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Refused {DocId}: {Reason}")]
    public static partial void Denied(ILogger logger, string docId, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Closing a connection, its access was revoked: {Reason}")]
    public static partial void Revoked(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Dropped a connection: {Reason}")]
    public static partial void Aborted(ILogger logger, string reason);
}
