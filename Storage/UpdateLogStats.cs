namespace Diaryx.Sync.Lite.Storage;

/// <summary>
/// The part of a document's update log not yet folded into its snapshot (or of every document's, for
/// metrics): how many rows and how many bytes of update data.
/// </summary>
public sealed record UpdateLogStats(long Count, long Bytes);
