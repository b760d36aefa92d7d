using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using Diaryx.Sync.Lite.Documents;
using Diaryx.Sync.Lite.Storage;
using Diaryx.Sync.Lite.Storage.Snapshots;
using Diaryx.Sync.Lite.Tests.Storage;
using Diaryx.Sync.Lite.Yjs.Lib0;

namespace Diaryx.Sync.Lite.Tests.Snapshots;

/// <summary>
/// A real SQLite file in a temporary directory with its document store, and helpers to build
/// workspaces, export and import them. Every read goes through a fresh <see cref="OfflineDocumentEditor"/>,
/// so it sees exactly what storage holds.
/// </summary>
internal sealed class SnapshotTestWorkspace : IAsyncDisposable
{
    private readonly StorageTestDirectory _directory = new();
    private readonly SqliteDatabase _database;

    public SnapshotTestWorkspace()
    {
        _database = new SqliteDatabase(_directory.DbPath);
        Store = new SqliteDocumentStore(_database);
    }

    public SqliteDocumentStore Store { get; }

    public string DirectoryPath => _directory.Path;

    public string DbPath => _directory.DbPath;

    public IDocumentEditor NewEditor() => new OfflineDocumentEditor(Store);

    public static string WorkspaceDoc(string workspaceId) => DocumentId.Workspace(workspaceId).ToString();

    public static string BodyDoc(string workspaceId, string path) => DocumentId.Body(workspaceId, path).ToString();

    /// <summary>Writes the raw files-map value <paramref name="json"/> at <paramref name="key"/>.</summary>
    public Task PutJsonAsync(string workspaceId, string key, string json) =>
        NewEditor().EditAsync(WorkspaceDoc(workspaceId), doc => doc.GetMap(WorkspaceFiles.FilesMap).Set(key, json));

    public Task PutAsync(string workspaceId, string key, FileMetadata metadata) => PutJsonAsync(workspaceId, key, metadata.ToJson());

    public Task SetBodyAsync(string workspaceId, string path, string body) =>
        NewEditor().EditAsync(BodyDoc(workspaceId, path), doc => BodyText.Set(doc, body));

    public Task<string> BodyAsync(string workspaceId, string path) => NewEditor().ReadAsync(BodyDoc(workspaceId, path), BodyText.Get);

    public Task<IReadOnlyList<WorkspaceEntry>> EntriesAsync(string workspaceId) =>
        NewEditor().ReadAsync(WorkspaceDoc(workspaceId), WorkspaceFiles.Entries);

    /// <summary>The raw JSON value at <paramref name="key"/> (null if absent).</summary>
    public Task<string?> RawValueAsync(string workspaceId, string key) =>
        NewEditor().ReadAsync(WorkspaceDoc(workspaceId), doc => (doc.GetMap(WorkspaceFiles.FilesMap).Get(key) as AnyString)?.Value);

    public Task<SnapshotExport> ExportAsync(string workspaceId) => SnapshotExporter.ExportAsync(NewEditor(), workspaceId);

    public async Task<SnapshotImportResult> ImportAsync(string workspaceId, byte[] zip, SnapshotImportMode mode, SnapshotImporter? importer = null)
    {
        importer ??= new SnapshotImporter();
        return await importer.ImportAsync(workspaceId, new MemoryStream(zip), mode, NewEditor());
    }

    /// <summary>Every stored document with its snapshot and log bytes: equal fingerprints = storage unchanged.</summary>
    public async Task<string> FingerprintAsync()
    {
        var text = new StringBuilder();
        foreach (var id in await Store.ListAsync(""))
        {
            var stored = await Store.LoadAsync(id);
            text.Append(id).Append(':').Append(Convert.ToHexString(stored.Snapshot ?? []));
            foreach (var update in stored.Updates) text.Append('|').Append(update.Id).Append('=').Append(Convert.ToHexString(update.Data));
            text.Append('\n');
        }
        return text.ToString();
    }

    public async ValueTask DisposeAsync()
    {
        await Store.DisposeAsync();
        _database.Dispose();
        _directory.Dispose();
    }
}

/// <summary>Zip archives built in tests, including malformed and hostile ones.</summary>
internal static class TestZip
{
    /// <summary>A zip of text entries (UTF-8), Deflate.</summary>
    public static byte[] Of(params (string Name, string Text)[] entries) =>
        Build(entries.Select(e => (e.Name, Encoding.UTF8.GetBytes(e.Text))).ToArray());

    public static byte[] Build(params (string Name, byte[] Data)[] entries)
    {
        using var zip = new MemoryStream();
        using (var archive = new ZipArchive(zip, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var (name, data) in entries)
            {
                var entry = archive.CreateEntry(name, CompressionLevel.Optimal);
                using var stream = entry.Open();
                stream.Write(data);
            }
        }
        return zip.ToArray();
    }

    /// <summary>Entry <paramref name="index"/>'s records: local header offset and central header offset.</summary>
    public static (int Local, int Central) Headers(byte[] zip, int index)
    {
        var eocd = zip.Length - 22;
        Assert.Equal(0x06054b50u, BinaryPrimitives.ReadUInt32LittleEndian(zip.AsSpan(eocd)));
        var central = (int)BinaryPrimitives.ReadUInt32LittleEndian(zip.AsSpan(eocd + 16));
        for (var i = 0; ; i++)
        {
            Assert.Equal(0x02014b50u, BinaryPrimitives.ReadUInt32LittleEndian(zip.AsSpan(central)));
            var local = (int)BinaryPrimitives.ReadUInt32LittleEndian(zip.AsSpan(central + 42));
            if (i == index) return (local, central);
            central += 46 + BinaryPrimitives.ReadUInt16LittleEndian(zip.AsSpan(central + 28))
                + BinaryPrimitives.ReadUInt16LittleEndian(zip.AsSpan(central + 30))
                + BinaryPrimitives.ReadUInt16LittleEndian(zip.AsSpan(central + 32));
        }
    }

    /// <summary>Claims <paramref name="size"/> as the uncompressed size of entry <paramref name="index"/> (local and central headers).</summary>
    public static byte[] WithDeclaredSize(byte[] zip, int index, uint size)
    {
        var patched = (byte[])zip.Clone();
        var (local, central) = Headers(patched, index);
        BinaryPrimitives.WriteUInt32LittleEndian(patched.AsSpan(local + 22), size);
        BinaryPrimitives.WriteUInt32LittleEndian(patched.AsSpan(central + 24), size);
        return patched;
    }

    /// <summary>Sets general-purpose flag bits of entry <paramref name="index"/> in both headers.</summary>
    public static byte[] WithFlags(byte[] zip, int index, ushort set, ushort clear = 0)
    {
        var patched = (byte[])zip.Clone();
        var (local, central) = Headers(patched, index);
        foreach (var offset in new[] { local + 6, central + 8 })
        {
            var flags = BinaryPrimitives.ReadUInt16LittleEndian(patched.AsSpan(offset));
            BinaryPrimitives.WriteUInt16LittleEndian(patched.AsSpan(offset), (ushort)((flags | set) & ~clear));
        }
        return patched;
    }

    /// <summary>Replaces entry <paramref name="index"/>'s name bytes (same length) in both headers.</summary>
    public static byte[] WithNameBytes(byte[] zip, int index, byte[] name)
    {
        var patched = (byte[])zip.Clone();
        var (local, central) = Headers(patched, index);
        Assert.Equal(name.Length, BinaryPrimitives.ReadUInt16LittleEndian(patched.AsSpan(local + 26)));
        name.CopyTo(patched, local + 30);
        name.CopyTo(patched, central + 46);
        return patched;
    }

    /// <summary>Sets entry <paramref name="index"/>'s external attributes (unix mode in the upper 16 bits).</summary>
    public static byte[] WithExternalAttributes(byte[] zip, int index, uint attributes)
    {
        var patched = (byte[])zip.Clone();
        var (_, central) = Headers(patched, index);
        BinaryPrimitives.WriteUInt32LittleEndian(patched.AsSpan(central + 38), attributes);
        return patched;
    }

    /// <summary>The entries of a zip as (name, text), in archive order.</summary>
    public static List<(string Name, string Text)> Read(byte[] zip)
    {
        using var archive = new ZipArchive(new MemoryStream(zip), ZipArchiveMode.Read);
        return [.. archive.Entries.Select(e =>
        {
            using var reader = new StreamReader(e.Open(), Encoding.UTF8);
            return (e.FullName, reader.ReadToEnd());
        })];
    }
}
