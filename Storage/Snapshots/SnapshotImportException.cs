namespace Diaryx.Sync.Lite.Storage.Snapshots;

/// <summary>Why a snapshot zip was refused.</summary>
public enum SnapshotImportError
{
    /// <summary>Not a readable zip, an unsupported or encrypted entry, or corrupt compressed data.</summary>
    InvalidArchive,
    /// <summary>An entry name that is not a safe workspace-relative path (absolute, <c>..</c>, backslash, NUL, drive letter, not UTF-8, too long), or a symlink.</summary>
    UnsafeEntryName,
    /// <summary>Two entries with the same name.</summary>
    DuplicateEntry,
    /// <summary>More entries than <see cref="SnapshotLimits.MaxEntries"/>.</summary>
    TooManyEntries,
    /// <summary>The archive, one entry or all entries together are larger than the limits (a zip bomb, say).</summary>
    TooLarge,
    /// <summary>A markdown entry that is not UTF-8, or whose frontmatter is not valid YAML.</summary>
    InvalidContent,
}

/// <summary>
/// A snapshot zip was refused; nothing of it was applied. <see cref="Exception.Message"/> is one line
/// for the user and names the offending entry (<see cref="EntryName"/>) when there is one. HTTP maps
/// <see cref="SnapshotImportError.TooLarge"/> to 413 and everything else to 400.
/// </summary>
public sealed class SnapshotImportException(SnapshotImportError error, string message, string? entryName = null, Exception? inner = null)
    : Exception(message, inner)
{
    public SnapshotImportError Error { get; } = error;

    /// <summary>The entry at fault (printable: control characters escaped), if any.</summary>
    public string? EntryName { get; } = entryName;
}
