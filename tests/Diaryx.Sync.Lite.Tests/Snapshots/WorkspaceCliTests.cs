using Diaryx.Sync.Lite.Tests.Cli;

namespace Diaryx.Sync.Lite.Tests.Snapshots;

/// <summary><c>workspace export</c> / <c>workspace import</c> as real processes on a real database file.</summary>
public sealed class WorkspaceCliTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("diaryx-workspace-cli-").FullName;

    public void Dispose()
    {
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
            // Best effort.
        }
    }

    private static readonly (string Name, string Text)[] Files =
    [
        ("Daily/index.md", "---\ntitle: Daily\ncontents:\n  - \"[Note One](/Daily/note-one.md)\"\nupdated: \"2025-02-10T12:20:00.000Z\"\ntags: [a, b]\n---\n\n# Daily\n"),
        ("Daily/note-one.md", "---\ntitle: \"Note: One\"\npart_of: \"[Index](/Daily/index.md)\"\naudience:\n  - family\nupdated: \"2025-02-10T12:34:56.789Z\"\n---\n\nHi"),
        ("My Folder/a (1).md", "---\ntitle: \"line1\\nline2\"\nupdated: \"1970-01-01T00:00:00.000Z\"\n---\n\n\nstarts with a blank line\n"),
    ];

    private Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(string[] args, Dictionary<string, string>? environment = null) =>
        CliProcess.RunAsync(args, _dir, environment);

    private static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    [Fact]
    public async Task A_zip_imported_offline_exports_back_identically()
    {
        await File.WriteAllBytesAsync(Path.Combine(_dir, "in.zip"), TestZip.Of([.. Files, ("Daily/photo.jpg", "jpeg")]));

        var import = await RunAsync(["workspace", "import", "ws-one", "in.zip", "--db", "data/sync.db"]);
        Assert.True(import.ExitCode == 0, import.Stderr);
        Assert.Equal("imported 3 files into workspace ws-one (merge, ignored 1 non-markdown entries)\n", import.Stdout);
        Assert.Equal("note: ignored 1 entries that are not .md files: Daily/photo.jpg\n", import.Stderr);

        var export = await RunAsync(["workspace", "export", "ws-one", "--out", "out.zip", "--db", "data/sync.db"]);
        Assert.True(export.ExitCode == 0, export.Stderr);
        Assert.Equal($"exported 3 files from workspace ws-one to {Path.Combine(_dir, "out.zip")}\n", export.Stdout);
        var exported = await File.ReadAllBytesAsync(Path.Combine(_dir, "out.zip"));
        Assert.Equal(Files, TestZip.Read(exported));

        // Its own export, imported into another workspace (replace) and exported again: the same bytes.
        var again = await RunAsync(["workspace", "import", "ws-two", "out.zip", "--mode", "replace", "--db", "data/sync.db"]);
        Assert.True(again.ExitCode == 0, again.Stderr);
        Assert.Equal("imported 3 files into workspace ws-two (replace)\n", again.Stdout);
        var second = await RunAsync(["workspace", "export", "ws-two", "--out", "out2.zip"], new() { ["DIARYX_DB"] = Path.Combine(_dir, "data", "sync.db") });
        Assert.True(second.ExitCode == 0, second.Stderr);
        Assert.Equal(exported, await File.ReadAllBytesAsync(Path.Combine(_dir, "out2.zip")));
        Assert.DoesNotContain(Directory.GetFiles(_dir), f => f.Contains(".tmp-"));
    }

    [Fact]
    public async Task Replace_mode_marks_files_missing_from_the_zip_deleted()
    {
        await File.WriteAllBytesAsync(Path.Combine(_dir, "all.zip"), TestZip.Of(Files));
        await File.WriteAllBytesAsync(Path.Combine(_dir, "one.zip"), TestZip.Of(Files[1]));
        Assert.Equal(0, (await RunAsync(["workspace", "import", "w", "all.zip", "--db", "d.db"])).ExitCode);

        var merge = await RunAsync(["workspace", "import", "w", "one.zip", "--db", "d.db", "--mode", "merge"]);
        Assert.Equal("imported 1 file into workspace w (merge)\n", merge.Stdout);
        var replace = await RunAsync(["workspace", "import", "w", "one.zip", "--db", "d.db", "--mode", "replace"]);
        Assert.Equal("imported 1 file into workspace w (replace, marked 2 files deleted)\n", replace.Stdout);

        var export = await RunAsync(["workspace", "export", "w", "--out", "w.zip", "--db", "d.db"]);
        Assert.Equal($"exported 1 file from workspace w to {Path.Combine(_dir, "w.zip")} (left out: 2 deleted, 0 with an unresolvable path)\n", export.Stdout);
        Assert.Equal([Files[1]], TestZip.Read(await File.ReadAllBytesAsync(Path.Combine(_dir, "w.zip"))));
    }

    [Theory]
    [InlineData(new[] { "workspace", "export", "bad/id", "--out", "x.zip" }, "error: <wsid> 'bad/id': the workspace id may only contain letters, digits and -_.:")]
    [InlineData(new[] { "workspace", "export", "ws" }, "error: Option '--out' is required.")]
    [InlineData(new[] { "workspace", "import", "ws", "in.zip", "--mode", "overwrite" }, "error: --mode: unknown snapshot import mode 'overwrite' (use merge or replace)")]
    [InlineData(new[] { "workspace", "import", "ws" }, "error: Required argument 'file.zip' missing")]
    [InlineData(new[] { "workspace", "import", "..", "in.zip" }, "error: <wsid> '..': the workspace id is not a name")]
    public async Task Bad_command_lines_exit_with_code_2_and_one_line(string[] args, string expectedStart)
    {
        var (exitCode, stdout, stderr) = await RunAsync(args);

        Assert.True(exitCode == 2, $"exit code {exitCode}\n{stdout}\n{stderr}");
        Assert.Equal("", stdout);
        var line = Assert.Single(Lines(stderr));
        Assert.StartsWith(expectedStart, line);
        Assert.Empty(Directory.GetFileSystemEntries(_dir));
    }

    [Fact]
    public async Task A_hostile_zip_fails_with_code_1_and_touches_nothing()
    {
        await File.WriteAllBytesAsync(Path.Combine(_dir, "evil.zip"), TestZip.Of(Files[0], ("../../etc/evil.md", "x")));

        var (exitCode, stdout, stderr) = await RunAsync(["workspace", "import", "ws", "evil.zip", "--db", "d.db"]);

        Assert.Equal(1, exitCode);
        Assert.Equal("", stdout);
        Assert.Equal(
            $"error: {Path.Combine(_dir, "evil.zip")}: unsafe entry name '../../etc/evil.md': it has a '.' or '..' segment; nothing was imported",
            Assert.Single(Lines(stderr)));
        Assert.False(File.Exists(Path.Combine(_dir, "d.db")), "the database is not even opened for an invalid zip");
    }

    [Fact]
    public async Task Import_honours_the_zip_limits_from_flags_or_the_environment()
    {
        // Four entries; random letters, so the archive too is well over 1024 bytes.
        var random = new Random(7);
        var big = new string([.. Enumerable.Range(0, 3000).Select(_ => (char)random.Next('a', 'z' + 1))]);
        var zip = Path.Combine(_dir, "in.zip");
        await File.WriteAllBytesAsync(zip, TestZip.Of([.. Files, ("big.md", big)]));

        var entries = await RunAsync(["workspace", "import", "ws", "in.zip", "--db", "d.db", "--max-zip-entries", "3"]);
        Assert.Equal(1, entries.ExitCode);
        Assert.Equal($"error: {zip}: the archive has 4 entries; at most 3 are allowed; nothing was imported", Assert.Single(Lines(entries.Stderr)));

        var inflated = await RunAsync(["workspace", "import", "ws", "in.zip", "--db", "d.db"], new() { ["DIARYX_MAX_ZIP_INFLATED_BYTES"] = "2048" });
        Assert.Equal(1, inflated.ExitCode);
        Assert.Equal($"error: {zip}: the archive inflates to more than 2048 bytes in all; nothing was imported", Assert.Single(Lines(inflated.Stderr)));

        var upload = await RunAsync(["workspace", "import", "ws", "in.zip", "--db", "d.db", "--max-upload-bytes", "1024"]);
        Assert.Equal(1, upload.ExitCode);
        Assert.Equal($"error: {zip}: the archive is larger than 1024 bytes; nothing was imported", Assert.Single(Lines(upload.Stderr)));
        Assert.False(File.Exists(Path.Combine(_dir, "d.db")), "the database is not even opened for a refused zip");

        var bad = await RunAsync(["workspace", "import", "ws", "in.zip", "--db", "d.db", "--max-zip-entries", "many"]);
        Assert.Equal(2, bad.ExitCode);
        Assert.Equal("error: --max-zip-entries: 'many' is not a number of entries (1-1000000)", Assert.Single(Lines(bad.Stderr)));

        var ok = await RunAsync(["workspace", "import", "ws", "in.zip", "--db", "d.db", "--max-zip-entries", "4", "--max-upload-bytes", "4096"]);
        Assert.True(ok.ExitCode == 0, ok.Stderr);
        Assert.Equal("imported 4 files into workspace ws (merge)\n", ok.Stdout);
    }

    [Fact]
    public async Task Missing_files_fail_with_code_1()
    {
        var import = await RunAsync(["workspace", "import", "ws", "nope.zip", "--db", "d.db"]);
        Assert.Equal(1, import.ExitCode);
        Assert.StartsWith($"error: cannot read '{Path.Combine(_dir, "nope.zip")}'", Assert.Single(Lines(import.Stderr)));

        var export = await RunAsync(["workspace", "export", "ws", "--out", "x.zip", "--db", "missing.db"]);
        Assert.Equal(1, export.ExitCode);
        Assert.Equal($"error: there is no database at '{Path.Combine(_dir, "missing.db")}' (see --db)", Assert.Single(Lines(export.Stderr)));
        Assert.Empty(Directory.GetFileSystemEntries(_dir));
    }

    [Fact]
    public async Task Help_describes_both_commands()
    {
        var (exitCode, stdout, _) = await RunAsync(["workspace", "import", "--help"]);
        Assert.Equal(0, exitCode);
        foreach (var text in new[] { "<wsid>", "<file.zip>", "--mode", "merge|replace", "--db", "DIARYX_DB", "--max-zip-entries", "DIARYX_MAX_ZIP_INFLATED_BYTES" }) Assert.Contains(text, stdout);

        (exitCode, stdout, _) = await RunAsync(["--help"]);
        Assert.Equal(0, exitCode);
        Assert.Contains("workspace", stdout);
    }
}
