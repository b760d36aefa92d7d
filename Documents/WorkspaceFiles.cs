using Diaryx.Sync.Lite.Yjs;
using Diaryx.Sync.Lite.Yjs.Lib0;

namespace Diaryx.Sync.Lite.Documents;

/// <summary>One entry of a workspace's <c>files</c> map, with its resolved workspace-relative path.</summary>
public sealed record WorkspaceFile(string Key, string Path, string Filename, string? Title, string? PartOf, bool Deleted, long ModifiedAt);

/// <summary>One readable entry of a workspace's <c>files</c> map: its key, its path (null if it does not resolve to a valid path) and its metadata.</summary>
public sealed record WorkspaceEntry(string Key, string? Path, FileMetadata Metadata);

/// <summary>
/// Reads the file list of a workspace document: root Y.Map <c>files</c> whose values are JSON
/// strings of Diaryx FileMetadata, keyed by a workspace-relative path (legacy) or a doc id.
/// </summary>
public static class WorkspaceFiles
{
    public const string FilesMap = "files";

    private static readonly string[] IgnoredSuffixes = [".tmp", ".bak", ".swap"];

    /// <summary>Every file whose path resolves, deduplicated by path (newest wins, then a live one), sorted by path.</summary>
    public static IReadOnlyList<WorkspaceFile> List(YDoc workspace) =>
        [.. ListEntries(workspace).Select(e => new WorkspaceFile(
            e.Key, e.Path!, e.Metadata.Filename, e.Metadata.Title, e.Metadata.PartOf, e.Metadata.Deleted, e.Metadata.ModifiedAt))];

    /// <summary>
    /// The entries behind <see cref="List"/>: one per resolved path (the highest <c>modified_at</c>
    /// wins; on a tie a live entry beats a deleted one, then the smaller key), sorted by path.
    /// </summary>
    public static IReadOnlyList<WorkspaceEntry> ListEntries(YDoc workspace)
    {
        var byPath = new Dictionary<string, WorkspaceEntry>(StringComparer.Ordinal);
        foreach (var entry in Entries(workspace))
        {
            if (entry.Path is not { } path) continue;
            if (!byPath.TryGetValue(path, out var existing)
                || entry.Metadata.ModifiedAt > existing.Metadata.ModifiedAt
                || (entry.Metadata.ModifiedAt == existing.Metadata.ModifiedAt && existing.Metadata.Deleted && !entry.Metadata.Deleted))
            {
                byPath[path] = entry;
            }
        }
        return [.. byPath.Values.OrderBy(e => e.Path, StringComparer.Ordinal)];
    }

    /// <summary>
    /// Every entry whose value is readable FileMetadata (keys ending in <c>.tmp</c>, <c>.bak</c> or
    /// <c>.swap</c> are ignored), sorted by key, with its resolved path when that is a valid
    /// workspace-relative path. Not deduplicated: several keys may resolve to one path.
    /// </summary>
    public static IReadOnlyList<WorkspaceEntry> Entries(YDoc workspace)
    {
        var files = workspace.GetMap(FilesMap);
        var entries = new Dictionary<string, FileMetadata>(StringComparer.Ordinal);
        foreach (var key in files.Keys)
        {
            if (IgnoredSuffixes.Any(s => key.EndsWith(s, StringComparison.Ordinal))) continue;
            if (files.Get(key) is AnyString { Value: var json } && FileMetadata.TryParse(json, out var metadata)) entries[key] = metadata;
        }
        return [.. entries
            .OrderBy(e => e.Key, StringComparer.Ordinal)
            .Select(e => new WorkspaceEntry(e.Key, ResolvePath(e.Key, entries) is { } path && DocumentId.IsValidPath(path, out _) ? path : null, e.Value))];
    }

    /// <summary>
    /// Writes <paramref name="metadata"/> under the path key <paramref name="path"/> (replacing the
    /// whole value) and removes the legacy aliases <c>./path</c> and <c>/path</c>, as Diaryx's
    /// <c>set_file</c> does. <paramref name="path"/> must be a valid workspace-relative path.
    /// </summary>
    public static void SetFile(YDoc workspace, string path, FileMetadata metadata)
    {
        if (!DocumentId.IsValidPath(path, out var error)) throw new ArgumentException(error, nameof(path));
        var files = workspace.GetMap(FilesMap);
        workspace.Transact(_ =>
        {
            files.Set(path, metadata.ToJson());
            foreach (var alias in new[] { "./" + path, "/" + path })
            {
                if (files.ContainsKey(alias)) files.Delete(alias);
            }
        });
    }

    /// <summary>Rewrites the entry at <paramref name="key"/> (an existing key, kept as it is).</summary>
    public static void SetEntry(YDoc workspace, string key, FileMetadata metadata) =>
        workspace.GetMap(FilesMap).Set(key, metadata.ToJson());

    /// <summary>A key is a path if it contains a slash or ends with .md; anything else is a doc id.</summary>
    public static bool IsPathKey(string key) => key.Contains('/') || key.EndsWith(".md", StringComparison.Ordinal);

    /// <summary><c>\</c> → <c>/</c>, leading <c>./</c> and <c>/</c> removed.</summary>
    public static string NormalizePath(string key)
    {
        var path = key.Replace('\\', '/');
        while (path.StartsWith("./", StringComparison.Ordinal)) path = path[2..];
        return path.TrimStart('/');
    }

    /// <summary>A path key is its own path; a doc id's path joins the filenames up its <c>part_of</c> chain.</summary>
    private static string? ResolvePath(string key, Dictionary<string, FileMetadata> entries)
    {
        if (IsPathKey(key)) return NormalizePath(key);
        var names = new List<string>();
        var visited = new HashSet<string>(StringComparer.Ordinal);
        for (string? current = key; current != null; current = entries[current].PartOf)
        {
            if (!visited.Add(current) || !entries.TryGetValue(current, out var metadata) || metadata.Filename.Length == 0) return null;
            if (IsPathKey(current))
            {
                // A legacy path parent: its folder is the prefix.
                var parentPath = NormalizePath(current);
                var slash = parentPath.LastIndexOf('/');
                if (slash >= 0) names.Add(parentPath[..slash]);
                break;
            }
            names.Add(metadata.Filename);
            if (metadata.PartOf != null && !entries.ContainsKey(metadata.PartOf)) return null;
        }
        names.Reverse();
        return string.Join('/', names);
    }
}
