using Microsoft.Extensions.Logging;

namespace Diaryx.Sync.Lite.Documents;

internal static partial class HubLog
{
    [LoggerMessage(Level = LogLevel.Warning, Message = "{DocId}: skipped an undecodable logged update {UpdateId}")]
    public static partial void SkippedLoggedUpdate(this ILogger logger, string docId, long updateId, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "{DocId}: compaction failed; the log is kept")]
    public static partial void CompactionFailed(this ILogger logger, string docId, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "{DocId}: evicted after a storage failure; it reloads from storage on next use")]
    public static partial void Evicted(this ILogger logger, string docId);

    [LoggerMessage(Level = LogLevel.Debug, Message = "{DocId}: loaded ({Updates} logged updates replayed)")]
    public static partial void Loaded(this ILogger logger, string docId, int updates);

    [LoggerMessage(Level = LogLevel.Debug, Message = "{DocId}: unloaded after being idle")]
    public static partial void Unloaded(this ILogger logger, string docId);
}
