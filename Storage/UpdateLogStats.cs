namespace Diaryx.Sync.Lite.Storage;

/// <summary>
/// The part of a document's update log not yet folded into its snapshot: how many rows, how many
/// bytes of update data, and the newest row id (ids count per document; for all documents together, the
/// highest of them; null if the log is empty). For compaction decisions and metrics.
/// </summary>
public sealed record UpdateLogStats(long Count, long Bytes, long? LastId)
{
    public static readonly UpdateLogStats Empty = new(0, 0, null);
}
