using System.IO.Compression;
using System.Text;
using Diaryx.Sync.Lite.Documents;

namespace Diaryx.Sync.Lite.Storage.Snapshots;

/// <summary>A finished export: the zip's bytes and what went into it.</summary>
/// <param name="Zip">The archive (an empty workspace gives an empty zip: just the end record).</param>
/// <param name="Paths">The entries written, in archive order (sorted by path, ordinal).</param>
/// <param name="SkippedDeleted">Tombstoned files left out.</param>
/// <param name="SkippedUnresolved">Live entries whose path does not resolve (e.g. a doc id with a missing parent), left out.</param>
public sealed record SnapshotExport(byte[] Zip, IReadOnlyList<string> Paths, int SkippedDeleted, int SkippedUnresolved)
{
    public int FilesExported => Paths.Count;
}

/// <summary>A workspace's live files as markdown (path, text), sorted by path, and what was left out.</summary>
public sealed record RenderedWorkspace(IReadOnlyList<(string Path, string Content)> Files, int SkippedDeleted, int SkippedUnresolved);

/// <summary>
/// Workspace → snapshot zip, byte for byte as Diaryx's <c>export_snapshot_zip</c> (reference/http-storage.md
/// §7.1), except that the entry order is deterministic (sorted by path) where upstream's followed a
/// hash map. Each live file whose path resolves becomes <c>&lt;path&gt;</c>: frontmatter from its
/// FileMetadata plus the body of <c>body:&lt;wsid&gt;/&lt;path&gt;</c> (falling back to
/// <c>body:&lt;wsid&gt;/&lt;key&gt;</c> when that is empty and the key is a doc id). Entries are Deflate,
/// unix mode 0644, dated 1980-01-01 (the zip crate's default), with no directory entries; the same
/// workspace always gives the same bytes.
/// </summary>
public static class SnapshotExporter
{
    /// <summary>Entry timestamp: the DOS epoch, as upstream's zip crate writes without a clock.</summary>
    private static readonly DateTimeOffset EntryTime = new(1980, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>Regular file, rw-r--r--, in the upper half of the external attributes (unix "version made by").</summary>
    private const int UnixFileMode0644 = 0x81A4 << 16;

    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false);

    /// <summary>
    /// Exports workspace <paramref name="workspaceId"/> (already validated) read through
    /// <paramref name="editor"/>: a <see cref="HubDocumentEditor"/> on the server, an
    /// <see cref="OfflineDocumentEditor"/> from the command line.
    /// </summary>
    public static async Task<SnapshotExport> ExportAsync(IDocumentEditor editor, string workspaceId, CancellationToken cancellationToken = default)
    {
        var rendered = await RenderAsync(editor, workspaceId, cancellationToken);
        using var zip = new MemoryStream();
        using (var archive = new ZipArchive(zip, ZipArchiveMode.Create, leaveOpen: true, entryNameEncoding: Utf8))
        {
            foreach (var (path, content) in rendered.Files)
            {
                var entry = archive.CreateEntry(path, CompressionLevel.Optimal);
                entry.LastWriteTime = EntryTime;
                entry.ExternalAttributes = UnixFileMode0644;
                await using var stream = entry.Open();
                await stream.WriteAsync(Utf8.GetBytes(content), cancellationToken);
            }
        }
        return new SnapshotExport(zip.ToArray(), [.. rendered.Files.Select(f => f.Path)], rendered.SkippedDeleted, rendered.SkippedUnresolved);
    }

    /// <summary>Every live file of the workspace as its path and markdown text (what the zip and the mirror hold), sorted by path.</summary>
    public static async Task<RenderedWorkspace> RenderAsync(IDocumentEditor editor, string workspaceId, CancellationToken cancellationToken = default)
    {
        var (entries, listed) = await editor.ReadAsync(
            DocumentId.Workspace(workspaceId).ToString(),
            doc => (WorkspaceFiles.Entries(doc), WorkspaceFiles.ListEntries(doc)),
            cancellationToken);

        // Doc id or path → path, for part_of and contents.
        var keyToPath = entries.Where(e => e.Path != null).ToDictionary(e => e.Key, e => e.Path!, StringComparer.Ordinal);
        string? Resolve(string value) => WorkspaceFiles.IsPathKey(value) ? value : keyToPath.GetValueOrDefault(value);

        var skippedUnresolved = entries.Count(e => e.Path == null && !e.Metadata.Deleted);
        var skippedDeleted = 0;
        var files = new List<(string Path, string Content)>();
        foreach (var (key, path, metadata) in listed)
        {
            if (metadata.Deleted)
            {
                skippedDeleted++;
                continue;
            }
            var body = await ReadBodyAsync(editor, workspaceId, path!, cancellationToken);
            if (body.Length == 0 && key != path) body = await ReadBodyAsync(editor, workspaceId, key, cancellationToken);
            files.Add((path!, SnapshotMarkdown.Format(metadata, body, Resolve)));
        }
        return new RenderedWorkspace(files, skippedDeleted, skippedUnresolved);
    }

    private static Task<string> ReadBodyAsync(IDocumentEditor editor, string workspaceId, string path, CancellationToken cancellationToken) =>
        editor.ReadAsync(DocumentId.Body(workspaceId, path).ToString(), BodyText.Get, cancellationToken);
}
