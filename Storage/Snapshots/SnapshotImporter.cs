using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using Diaryx.Sync.Lite.Configuration;
using Diaryx.Sync.Lite.Documents;

namespace Diaryx.Sync.Lite.Storage.Snapshots;

/// <summary>One markdown file of a validated snapshot: where it goes, its metadata and its body.</summary>
public sealed record SnapshotFile(string Path, FileMetadata Metadata, string Body);

/// <summary>
/// A snapshot zip that passed every check and was parsed completely: what <see cref="SnapshotImporter.ApplyAsync"/>
/// will write. <see cref="IgnoredEntries"/> lists entries that are not <c>.md</c> files (attachments,
/// other files; directories are not listed), which an import skips.
/// </summary>
public sealed record SnapshotImportPlan(IReadOnlyList<SnapshotFile> Files, IReadOnlyList<string> IgnoredEntries);

/// <summary>What an import changed.</summary>
/// <param name="FilesImported">Files written (each path's metadata and body).</param>
/// <param name="FilesDeleted">Existing files tombstoned: in replace mode every live file not in the zip, in both modes another live entry (a doc id) that resolved to an imported path.</param>
/// <param name="IgnoredEntries">Entries that were not <c>.md</c> files.</param>
public sealed record SnapshotImportResult(int FilesImported, int FilesDeleted, IReadOnlyList<string> IgnoredEntries);

/// <summary>
/// Snapshot zip → workspace (reference/http-storage.md §7.2-§7.3, hardened per §9 and DESIGN.md §4).
/// <para>
/// <see cref="ReadAsync"/> validates and parses the whole archive first and throws
/// <see cref="SnapshotImportException"/> (nothing applied) for: an archive over the size limit, not a
/// zip, more entries than allowed, an entry name that is not a safe relative path (absolute, drive
/// letter, <c>..</c>/<c>.</c>/empty segments, backslash, NUL or other control characters, not UTF-8,
/// too long) or is duplicated, an encrypted entry or a symlink, markdown that inflates past the
/// per-entry or total limit (bytes are counted while inflating; header sizes are not trusted),
/// markdown that is not UTF-8 or has invalid YAML frontmatter. Entries not ending in <c>.md</c>
/// (case-sensitive, as upstream) are listed and skipped; their contents are never read.
/// </para>
/// <para>
/// <see cref="ApplyAsync"/> then writes the plan through an <see cref="IDocumentEditor"/>: each body
/// document (only the changed middle of the text is replaced, keeping CRDT identity), then the
/// workspace document in one transaction (all metadata and tombstones at once, so the file list
/// changes in one step). Each document is its own transaction: through the hub there is no
/// transaction spanning documents, so a storage failure part-way (disk full) can leave earlier bodies
/// written. What the archive contains can no longer cause a failure at that point: every check is
/// done before the first write.
/// </para>
/// </summary>
public sealed class SnapshotImporter(SnapshotLimits? limits = null, TimeProvider? time = null)
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public SnapshotLimits Limits { get; } = limits ?? SnapshotLimits.Default;

    private readonly TimeProvider _time = time ?? TimeProvider.System;

    /// <summary>Validates and parses <paramref name="zip"/> (read to its end, up to <see cref="SnapshotLimits.MaxArchiveBytes"/>).</summary>
    public async Task<SnapshotImportPlan> ReadAsync(Stream zip, CancellationToken cancellationToken = default)
    {
        var buffer = await BufferAsync(zip, cancellationToken);
        return Read(buffer);
    }

    /// <summary>Validates and parses zip bytes already in memory.</summary>
    public SnapshotImportPlan Read(byte[] zip)
    {
        if (zip.LongLength > Limits.MaxArchiveBytes) throw TooLargeArchive();
        return Read(new MemoryStream(zip, 0, zip.Length, writable: false, publiclyVisible: true));
    }

    private SnapshotImportPlan Read(MemoryStream zip)
    {
        // The end record's entry count, before ZipArchive builds an object per central-directory entry.
        // (A count that lies is caught by ZipArchive itself, which checks it against what it read.)
        if (DeclaredEntryCount(zip.GetBuffer().AsSpan(0, (int)zip.Length)) is { } declared && declared > Limits.MaxEntries)
        {
            throw TooManyEntries(declared);
        }

        ZipArchive archive;
        IReadOnlyCollection<ZipArchiveEntry> entries;
        try
        {
            // Names of entries without the UTF-8 flag are decoded strictly (invalid UTF-8 throws); with
            // the flag, invalid bytes become U+FFFD, which ValidateName refuses.
            archive = new ZipArchive(zip, ZipArchiveMode.Read, leaveOpen: false, entryNameEncoding: StrictUtf8);
            entries = archive.Entries;
        }
        catch (DecoderFallbackException exception)
        {
            throw new SnapshotImportException(SnapshotImportError.UnsafeEntryName, "an entry name is not valid UTF-8", null, exception);
        }
        catch (Exception exception) when (exception is InvalidDataException or ArgumentException or IOException)
        {
            throw new SnapshotImportException(SnapshotImportError.InvalidArchive, $"not a readable zip archive: {OneLine(exception.Message)}", null, exception);
        }

        using (archive)
        {
            if (entries.Count > Limits.MaxEntries) throw TooManyEntries(entries.Count);

            // Every name is checked before any content is read.
            var names = new HashSet<string>(StringComparer.Ordinal);
            var markdown = new List<ZipArchiveEntry>();
            var ignored = new List<string>();
            foreach (var entry in entries)
            {
                var name = entry.FullName;
                var isDirectory = name.EndsWith('/');
                ValidateName(isDirectory ? name[..^1] : name, name);
                if (!names.Add(name)) throw new SnapshotImportException(SnapshotImportError.DuplicateEntry, $"'{Printable(name)}' appears more than once in the archive", Printable(name));
                if (entry.IsEncrypted) throw new SnapshotImportException(SnapshotImportError.InvalidArchive, $"'{Printable(name)}' is encrypted", Printable(name));
                if (((entry.ExternalAttributes >> 16) & 0xF000) == 0xA000) throw new SnapshotImportException(SnapshotImportError.UnsafeEntryName, $"'{Printable(name)}' is a symbolic link", Printable(name));
                if (isDirectory) continue;
                if (name.EndsWith(".md", StringComparison.Ordinal)) markdown.Add(entry);
                else ignored.Add(name);
            }

            var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
            long total = 0;
            var files = new List<SnapshotFile>(markdown.Count);
            foreach (var entry in markdown)
            {
                var name = entry.FullName;
                var bytes = Inflate(entry, ref total);
                string content;
                try
                {
                    content = StrictUtf8.GetString(bytes);
                }
                catch (DecoderFallbackException exception)
                {
                    throw new SnapshotImportException(SnapshotImportError.InvalidContent, $"'{Printable(name)}' is not valid UTF-8 text", Printable(name), exception);
                }
                try
                {
                    var (metadata, body) = SnapshotMarkdown.Parse(name, content, now, Limits.MaxFrontmatterNodes);
                    files.Add(new SnapshotFile(name, metadata, body));
                }
                catch (FrontmatterException exception)
                {
                    throw new SnapshotImportException(SnapshotImportError.InvalidContent, $"failed to parse the frontmatter of '{Printable(name)}': {OneLine(exception.Message)}", Printable(name), exception);
                }
            }
            return new SnapshotImportPlan(files, ignored);
        }
    }

    /// <summary>
    /// Writes <paramref name="plan"/> into workspace <paramref name="workspaceId"/> (already validated).
    /// Merge: each file's path gets the file's metadata (the whole value) and body. Replace: also
    /// tombstones every other live file. In both modes a live entry under another key (a doc id, or
    /// a legacy alias such as <c>./a.md</c>) that resolves to an imported path is tombstoned (aliases
    /// removed), with a <c>modified_at</c> no later than the imported file's, so the import is what
    /// the path shows. Body documents of tombstoned files stay, as upstream.
    /// </summary>
    public async Task<SnapshotImportResult> ApplyAsync(
        string workspaceId, SnapshotImportPlan plan, SnapshotImportMode mode, IDocumentEditor editor, CancellationToken cancellationToken = default)
    {
        if (!DocumentId.IsValidWorkspaceId(workspaceId, out var error)) throw new ArgumentException(error, nameof(workspaceId));
        foreach (var file in plan.Files)
        {
            await editor.EditAsync(DocumentId.Body(workspaceId, file.Path).ToString(), doc => BodyText.Set(doc, file.Body), cancellationToken);
        }

        var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        var deleted = 0;
        await editor.EditAsync(DocumentId.Workspace(workspaceId).ToString(), doc =>
        {
            deleted = 0;
            var imported = new Dictionary<string, SnapshotFile>(StringComparer.Ordinal);
            foreach (var file in plan.Files) imported[file.Path] = file;
            foreach (var (key, path, metadata) in WorkspaceFiles.Entries(doc))
            {
                if (imported.ContainsKey(key) || metadata.Deleted) continue;
                if (path != null && imported.TryGetValue(path, out var file))
                {
                    if (key == "./" + path || key == "/" + path) continue; // an alias: SetFile removes it
                    WorkspaceFiles.SetEntry(doc, key, metadata with { Deleted = true, ModifiedAt = Math.Min(now, file.Metadata.ModifiedAt) });
                    deleted++;
                }
                else if (mode == SnapshotImportMode.Replace)
                {
                    WorkspaceFiles.SetEntry(doc, key, metadata with { Deleted = true, ModifiedAt = now });
                    deleted++;
                }
            }
            foreach (var file in plan.Files) WorkspaceFiles.SetFile(doc, file.Path, file.Metadata);
        }, cancellationToken);
        return new SnapshotImportResult(plan.Files.Count, deleted, plan.IgnoredEntries);
    }

    /// <summary><see cref="ReadAsync"/> then <see cref="ApplyAsync"/>: nothing is applied unless the whole archive is valid.</summary>
    public async Task<SnapshotImportResult> ImportAsync(
        string workspaceId, Stream zip, SnapshotImportMode mode, IDocumentEditor editor, CancellationToken cancellationToken = default)
    {
        var plan = await ReadAsync(zip, cancellationToken);
        return await ApplyAsync(workspaceId, plan, mode, editor, cancellationToken);
    }

    private void ValidateName(string path, string name)
    {
        string? problem = null;
        if (name.Contains('\uFFFD')) problem = "is not valid UTF-8";
        else if (path.Length > Limits.MaxPathLength) problem = $"is longer than {Limits.MaxPathLength} characters";
        else if (path.StartsWith('/') || path.StartsWith('\\')) problem = "is an absolute path";
        else if (path.Length >= 2 && path[1] == ':' && char.IsAsciiLetter(path[0])) problem = "starts with a drive letter";
        else if (path.Contains('\\')) problem = "contains a backslash";
        else if (path.Contains('\0')) problem = "contains a NUL character";
        else if (path.Any(char.IsControl)) problem = "contains a control character";
        else if (path.Split('/').Any(segment => segment is ".." or ".")) problem = "has a '.' or '..' segment";
        else if (path.Split('/').Any(segment => segment.Length == 0)) problem = "has an empty segment";
        else if (path.Split('/').Any(segment => segment.Length > Limits.MaxSegmentLength)) problem = $"has a segment longer than {Limits.MaxSegmentLength} characters";
        else if (!DocumentId.IsValidPath(path, out var invalid)) problem = invalid;
        if (problem != null)
        {
            throw new SnapshotImportException(SnapshotImportError.UnsafeEntryName, $"unsafe entry name '{Printable(name)}': it {problem}", Printable(name));
        }
    }

    /// <summary>Reads an entry, counting inflated bytes against the per-entry and total limits.</summary>
    private byte[] Inflate(ZipArchiveEntry entry, ref long total)
    {
        var name = Printable(entry.FullName);
        // Cheap early refusal when the header already admits too much; the real bound is counted below.
        if (entry.Length > Limits.MaxEntryInflatedBytes) throw TooLargeEntry(name);
        using var output = new MemoryStream(capacity: (int)Math.Min(Math.Max(entry.Length, 0), 1024 * 1024));
        try
        {
            using var input = entry.Open();
            var chunk = new byte[81920];
            int read;
            while ((read = input.Read(chunk, 0, chunk.Length)) > 0)
            {
                if (output.Length + read > Limits.MaxEntryInflatedBytes) throw TooLargeEntry(name);
                total += read;
                if (total > Limits.MaxTotalInflatedBytes)
                {
                    throw new SnapshotImportException(SnapshotImportError.TooLarge, $"the archive inflates to more than {Limits.MaxTotalInflatedBytes} bytes in all", name);
                }
                output.Write(chunk, 0, read);
            }
        }
        catch (Exception exception) when (exception is InvalidDataException or IOException or NotSupportedException)
        {
            throw new SnapshotImportException(SnapshotImportError.InvalidArchive, $"'{name}' cannot be decompressed: {OneLine(exception.Message)}", name, exception);
        }
        var bytes = output.ToArray();
        // System.IO.Compression stops at the size the header declares and checks no CRC: a header that
        // lies (to slip past a size check, or to cut a file short) is caught here.
        if (bytes.LongLength != entry.Length || System.IO.Hashing.Crc32.HashToUInt32(bytes) != entry.Crc32)
        {
            throw new SnapshotImportException(SnapshotImportError.InvalidArchive, $"'{name}' does not match the size or checksum in its header (corrupt or tampered)", name);
        }
        return bytes;
    }

    private SnapshotImportException TooLargeEntry(string name) =>
        new(SnapshotImportError.TooLarge, $"'{name}' inflates to more than {Limits.MaxEntryInflatedBytes} bytes", name);

    private SnapshotImportException TooManyEntries(long count) =>
        new(SnapshotImportError.TooManyEntries, $"the archive has {count} entries; at most {Limits.MaxEntries} are allowed");

    /// <summary>
    /// The entry count of the end-of-central-directory record (the zip64 one when the classic field is
    /// saturated), or null when there is no recognisable end record (ZipArchive then reports the error).
    /// </summary>
    internal static long? DeclaredEntryCount(ReadOnlySpan<byte> zip)
    {
        const int EndRecordSize = 22;
        var lowest = Math.Max(0, zip.Length - EndRecordSize - ushort.MaxValue);
        for (var at = zip.Length - EndRecordSize; at >= lowest; at--)
        {
            if (BinaryPrimitives.ReadUInt32LittleEndian(zip[at..]) != 0x06054b50) continue;
            var count = BinaryPrimitives.ReadUInt16LittleEndian(zip[(at + 10)..]);
            if (count != ushort.MaxValue) return count;
            // Zip64: the locator sits just before the end record and points at the zip64 end record.
            var locator = at - 20;
            if (locator < 0 || BinaryPrimitives.ReadUInt32LittleEndian(zip[locator..]) != 0x07064b50) return count;
            var record = BinaryPrimitives.ReadUInt64LittleEndian(zip[(locator + 8)..]);
            if (record > (ulong)(zip.Length - 56) || BinaryPrimitives.ReadUInt32LittleEndian(zip[(int)record..]) != 0x06064b50) return count;
            return (long)Math.Min(BinaryPrimitives.ReadUInt64LittleEndian(zip[((int)record + 32)..]), long.MaxValue);
        }
        return null;
    }

    private SnapshotImportException TooLargeArchive() =>
        new(SnapshotImportError.TooLarge, $"the archive is larger than {Limits.MaxArchiveBytes} bytes");

    private async Task<MemoryStream> BufferAsync(Stream zip, CancellationToken cancellationToken)
    {
        if (zip.CanSeek && zip.Length - zip.Position > Limits.MaxArchiveBytes) throw TooLargeArchive();
        var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = await zip.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > Limits.MaxArchiveBytes) throw TooLargeArchive();
            buffer.Write(chunk, 0, read);
        }
        buffer.Position = 0;
        return buffer;
    }

    private static string Printable(string text) => RawSetting.Printable(text);

    private static string OneLine(string text) => RawSetting.Printable(text.ReplaceLineEndings(" ").Trim());
}
