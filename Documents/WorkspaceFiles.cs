using System.Text.Json;
using Diaryx.Sync.Lite.Yjs;
using Diaryx.Sync.Lite.Yjs.Lib0;

namespace Diaryx.Sync.Lite.Documents;

/// <summary>One entry of a workspace's <c>files</c> map, with its resolved workspace-relative path.</summary>
public sealed record WorkspaceFile(string Key, string Path, string Filename, string? Title, string? PartOf, bool Deleted, long ModifiedAt);

/// <summary>
/// Reads the file list of a workspace document: root Y.Map <c>files</c> whose values are JSON
/// strings of Diaryx FileMetadata, keyed by a workspace-relative path (legacy) or a doc id.
/// </summary>
public static class WorkspaceFiles
{
    public const string FilesMap = "files";

    private static readonly string[] IgnoredSuffixes = [".tmp", ".bak", ".swap"];

    private sealed record Metadata(string Filename, string? Title, string? PartOf, bool Deleted, long ModifiedAt);

    /// <summary>Every file whose path resolves, deduplicated by path (newest wins, then a live one), sorted by path.</summary>
    public static IReadOnlyList<WorkspaceFile> List(YDoc workspace)
    {
        var entries = new Dictionary<string, Metadata>(StringComparer.Ordinal);
        foreach (var key in workspace.GetMap(FilesMap).Keys)
        {
            if (IgnoredSuffixes.Any(s => key.EndsWith(s, StringComparison.Ordinal))) continue;
            if (workspace.GetMap(FilesMap).Get(key) is AnyString { Value: var json } && TryParse(json, out var metadata)) entries[key] = metadata;
        }
        var byPath = new Dictionary<string, WorkspaceFile>(StringComparer.Ordinal);
        foreach (var (key, metadata) in entries)
        {
            var path = ResolvePath(key, entries);
            if (path == null || !DocumentId.IsValidPath(path, out _)) continue;
            var file = new WorkspaceFile(key, path, metadata.Filename, metadata.Title, metadata.PartOf, metadata.Deleted, metadata.ModifiedAt);
            if (!byPath.TryGetValue(path, out var existing)
                || file.ModifiedAt > existing.ModifiedAt
                || (file.ModifiedAt == existing.ModifiedAt && existing.Deleted && !file.Deleted))
            {
                byPath[path] = file;
            }
        }
        return [.. byPath.Values.OrderBy(f => f.Path, StringComparer.Ordinal)];
    }

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
    private static string? ResolvePath(string key, Dictionary<string, Metadata> entries)
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

    private static bool TryParse(string json, out Metadata metadata)
    {
        metadata = null!;
        try
        {
            using var document = JsonDocument.Parse(json);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object) return false;
            metadata = new Metadata(
                Filename: LenientString(root, "filename") ?? "",
                Title: LenientString(root, "title"),
                PartOf: LenientString(root, "part_of"),
                Deleted: root.TryGetProperty("deleted", out var deleted) && deleted.ValueKind == JsonValueKind.True,
                ModifiedAt: root.TryGetProperty("modified_at", out var modified) && modified.TryGetInt64(out var ms) ? ms : 0);
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    /// <summary>Strings as they are; numbers and booleans as their text (Diaryx reads these leniently).</summary>
    private static string? LenientString(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value)
            ? value.ValueKind switch
            {
                JsonValueKind.String => value.GetString(),
                JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => value.GetRawText(),
                _ => null,
            }
            : null;
}
