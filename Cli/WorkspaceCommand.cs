using System.CommandLine;
using Diaryx.Sync.Lite.Configuration;
using Diaryx.Sync.Lite.Documents;
using Diaryx.Sync.Lite.Storage;
using Diaryx.Sync.Lite.Storage.Snapshots;
using Microsoft.Data.Sqlite;

namespace Diaryx.Sync.Lite.Cli;

/// <summary>
/// <c>workspace export &lt;wsid&gt; --out &lt;file.zip&gt; [--db &lt;path&gt;]</c> and
/// <c>workspace import &lt;wsid&gt; &lt;file.zip&gt; [--mode merge|replace] [--db &lt;path&gt;] [--max-upload-bytes|--max-zip-entries|--max-zip-inflated-bytes &lt;n&gt;]</c>: snapshot zips
/// (Storage/Snapshots) made from or written into the database directly, without a running server.
/// Changes are appended to the update log like any other, so a server started later sees them (one
/// already running sees them when it next loads the documents). One summary line goes to stdout;
/// errors are one line on stderr: exit code 2 for a bad command line, 1 when the work failed.
/// </summary>
internal static class WorkspaceCommand
{
    private const int Failure = 1;

    /// <summary>The <c>workspace</c> command and its subcommands; <paramref name="sources"/> resolves <c>--db</c> like <c>serve</c>.</summary>
    public static Command Create(Func<IReadOnlyDictionary<SettingKey, string>, SettingSources> sources, string currentDirectory)
    {
        var workspace = new Command("workspace", "Export or import a workspace as a snapshot zip (markdown with YAML frontmatter), offline on the database");
        workspace.Add(CreateExport(sources, currentDirectory));
        workspace.Add(CreateImport(sources, currentDirectory));
        return workspace;
    }

    private static Option<string> DbOption() => new(SettingKeys.Db.Flag)
    {
        Description = $"SQLite database file [default: {ServerSettingsParser.DefaultDatabasePath}] [env: {SettingKeys.Db.EnvironmentVariable}]",
        HelpName = "path",
    };

    private static Argument<string> WorkspaceArgument() => new("wsid") { Description = "The workspace id" };

    private static Command CreateExport(Func<IReadOnlyDictionary<SettingKey, string>, SettingSources> sources, string currentDirectory)
    {
        var workspaceId = WorkspaceArgument();
        var output = new Option<string>("--out") { Description = "The zip file to write (replaced if it exists)", Required = true, HelpName = "file.zip" };
        var db = DbOption();
        var export = new Command("export", "Write a workspace's files to a snapshot zip") { workspaceId, output, db };
        export.SetAction(async (parseResult, cancellationToken) =>
        {
            var error = parseResult.InvocationConfiguration.Error;
            string id, outPath, databasePath;
            try
            {
                id = ValidateWorkspaceId(parseResult.GetValue(workspaceId));
                outPath = ResolveFile(parseResult.GetValue(output) ?? "", "--out", currentDirectory);
                databasePath = DatabasePath(parseResult, db, sources, currentDirectory);
            }
            catch (SettingsException e)
            {
                await error.WriteLineAsync($"error: {e.Message}");
                return DiaryxCommandLine.UsageError;
            }
            return await ExportAsync(id, outPath, databasePath, parseResult.InvocationConfiguration.Output, error, cancellationToken);
        });
        return export;
    }

    private static Command CreateImport(Func<IReadOnlyDictionary<SettingKey, string>, SettingSources> sources, string currentDirectory)
    {
        var workspaceId = WorkspaceArgument();
        var file = new Argument<string>("file.zip") { Description = "The snapshot zip to import" };
        var mode = new Option<string>("--mode")
        {
            Description = "merge: write the zip's files, keep the others [default]; replace: also mark every other file deleted",
            HelpName = "merge|replace",
        };
        var db = DbOption();
        var limitOptions = new ServeOptions(snapshotLimitsOnly: true);
        var import = new Command("import", "Write a snapshot zip's markdown files into a workspace (all or nothing)") { workspaceId, file, mode, db };
        limitOptions.AddTo(import);
        import.SetAction(async (parseResult, cancellationToken) =>
        {
            var error = parseResult.InvocationConfiguration.Error;
            string id, zipPath, databasePath;
            SnapshotLimits limits;
            var importMode = SnapshotImportModes.Default;
            try
            {
                id = ValidateWorkspaceId(parseResult.GetValue(workspaceId));
                if (parseResult.GetResult(mode) is { Implicit: false } && !SnapshotImportModes.TryParse(parseResult.GetValue(mode), out importMode))
                {
                    throw new SettingsException($"--mode: {SnapshotImportModes.InvalidModeMessage(parseResult.GetValue(mode))}");
                }
                zipPath = ResolveFile(parseResult.GetValue(file) ?? "", "file.zip", currentDirectory);
                databasePath = DatabasePath(parseResult, db, sources, currentDirectory);
                // The same zip limits as the server's, from the same flags, environment and appsettings.json.
                limits = ServerSettingsParser.ParseSnapshotLimits(sources(limitOptions.ReadFlags(parseResult)));
            }
            catch (SettingsException e)
            {
                await error.WriteLineAsync($"error: {e.Message}");
                return DiaryxCommandLine.UsageError;
            }
            return await ImportAsync(id, zipPath, importMode, databasePath, limits, parseResult.InvocationConfiguration.Output, error, cancellationToken);
        });
        return import;
    }

    /// <summary>Exports workspace <paramref name="workspaceId"/> of the database to <paramref name="outPath"/> (written atomically).</summary>
    public static async Task<int> ExportAsync(
        string workspaceId, string outPath, string databasePath, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        if (!File.Exists(databasePath))
        {
            await error.WriteLineAsync($"error: there is no database at '{databasePath}' (see --db)");
            return Failure;
        }
        SnapshotExport export;
        try
        {
            using var database = new SqliteDatabase(databasePath);
            await using var store = new SqliteDocumentStore(database);
            export = await SnapshotExporter.ExportAsync(new OfflineDocumentEditor(store), workspaceId, cancellationToken);
        }
        catch (Exception e) when (e is StorageException or SqliteException or DocumentUnavailableException)
        {
            await error.WriteLineAsync($"error: {OneLine(e.Message)}");
            return Failure;
        }

        var temporary = outPath + ".tmp-" + Environment.ProcessId;
        try
        {
            await File.WriteAllBytesAsync(temporary, export.Zip, cancellationToken);
            File.Move(temporary, outPath, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            TryDelete(temporary);
            await error.WriteLineAsync($"error: cannot write '{outPath}': {OneLine(e.Message)}");
            return Failure;
        }

        var skipped = export.SkippedDeleted + export.SkippedUnresolved > 0
            ? $" (left out: {export.SkippedDeleted} deleted, {export.SkippedUnresolved} with an unresolvable path)"
            : "";
        await output.WriteLineAsync($"exported {Files(export.FilesExported)} from workspace {workspaceId} to {outPath}{skipped}");
        return 0;
    }

    /// <summary>Imports <paramref name="zipPath"/> into workspace <paramref name="workspaceId"/>: validated completely (within <paramref name="limits"/>) before the database is touched.</summary>
    public static async Task<int> ImportAsync(
        string workspaceId, string zipPath, SnapshotImportMode mode, string databasePath, SnapshotLimits limits, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        var importer = new SnapshotImporter(limits);
        SnapshotImportPlan plan;
        try
        {
            await using var zip = File.OpenRead(zipPath);
            plan = await importer.ReadAsync(zip, cancellationToken);
        }
        catch (SnapshotImportException e)
        {
            await error.WriteLineAsync($"error: {zipPath}: {e.Message}; nothing was imported");
            return Failure;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            await error.WriteLineAsync($"error: cannot read '{zipPath}': {OneLine(e.Message)}");
            return Failure;
        }

        SnapshotImportResult result;
        try
        {
            using var database = new SqliteDatabase(databasePath);
            await using var store = new SqliteDocumentStore(database);
            result = await importer.ApplyAsync(workspaceId, plan, mode, new OfflineDocumentEditor(store), cancellationToken);
        }
        catch (Exception e) when (e is StorageException or SqliteException or DocumentUnavailableException)
        {
            await error.WriteLineAsync($"error: {OneLine(e.Message)}");
            return Failure;
        }

        if (result.IgnoredEntries.Count > 0)
        {
            const int Shown = 10;
            var names = string.Join(", ", result.IgnoredEntries.Take(Shown).Select(RawSetting.Printable));
            if (result.IgnoredEntries.Count > Shown) names += ", ...";
            await error.WriteLineAsync($"note: ignored {result.IgnoredEntries.Count} entries that are not .md files: {names}");
        }
        var deleted = result.FilesDeleted > 0 ? $", marked {Files(result.FilesDeleted)} deleted" : "";
        var ignored = result.IgnoredEntries.Count > 0 ? $", ignored {result.IgnoredEntries.Count} non-markdown entries" : "";
        await output.WriteLineAsync($"imported {Files(result.FilesImported)} into workspace {workspaceId} ({mode.Name()}{deleted}{ignored})");
        return 0;
    }

    private static string ValidateWorkspaceId(string? workspaceId)
    {
        var id = workspaceId ?? "";
        return DocumentId.IsValidWorkspaceId(id, out var problem)
            ? id
            : throw new SettingsException($"<wsid> '{RawSetting.Printable(id)}': {problem}");
    }

    private static string ResolveFile(string path, string name, string currentDirectory)
    {
        if (path.Length == 0) throw new SettingsException($"{name}: a file path is required");
        var full = Path.GetFullPath(path.StartsWith("~/", StringComparison.Ordinal)
            ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), path[2..])
            : path, currentDirectory);
        if (Directory.Exists(full)) throw new SettingsException($"{name}: '{RawSetting.Printable(path)}' is a directory, not a file");
        return full;
    }

    private static string DatabasePath(
        ParseResult parseResult, Option<string> db, Func<IReadOnlyDictionary<SettingKey, string>, SettingSources> sources, string currentDirectory)
    {
        var flags = new Dictionary<SettingKey, string>();
        if (parseResult.GetResult(db) is { Implicit: false })
        {
            flags[SettingKeys.Db] = parseResult.GetValue(db) ?? "";
        }
        return ServerSettingsParser.ParseDatabasePath(sources(flags), currentDirectory);
    }

    private static string Files(int count) => count == 1 ? "1 file" : $"{count} files";

    private static string OneLine(string text) => RawSetting.Printable(text.ReplaceLineEndings(" ").Trim());

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }
}
