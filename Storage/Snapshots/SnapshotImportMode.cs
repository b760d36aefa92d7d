namespace Diaryx.Sync.Lite.Storage.Snapshots;

/// <summary>How an imported snapshot combines with the workspace (reference/http-storage.md §7.3).</summary>
public enum SnapshotImportMode
{
    /// <summary>Files in the zip are written (each replacing the whole metadata of its path); other files stay.</summary>
    Merge,
    /// <summary>As merge, and every other live file of the workspace is tombstoned (<c>deleted: true</c>).</summary>
    Replace,
}

public static class SnapshotImportModes
{
    /// <summary>The mode when none is given (the reference's recommendation: never replace by accident).</summary>
    public const SnapshotImportMode Default = SnapshotImportMode.Merge;

    /// <summary>Exactly <c>merge</c> or <c>replace</c> (case-sensitive, like upstream's <c>merge</c>); anything else is refused.</summary>
    public static bool TryParse(string? text, out SnapshotImportMode mode)
    {
        switch (text)
        {
            case "merge":
                mode = SnapshotImportMode.Merge;
                return true;
            case "replace":
                mode = SnapshotImportMode.Replace;
                return true;
            default:
                mode = Default;
                return false;
        }
    }

    /// <summary>The error for a value <see cref="TryParse"/> refused.</summary>
    public static string InvalidModeMessage(string? text) =>
        $"unknown snapshot import mode '{Configuration.RawSetting.Printable(text ?? "")}' (use merge or replace)";

    public static string Name(this SnapshotImportMode mode) => mode == SnapshotImportMode.Replace ? "replace" : "merge";
}
