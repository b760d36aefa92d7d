using Diaryx.Sync.Lite.Documents;
using Diaryx.Sync.Lite.Storage.Snapshots;
using Diaryx.Sync.Lite.Tests.Storage;

namespace Diaryx.Sync.Lite.Tests.Snapshots;

/// <summary>Zip → workspace: round trips, merge vs replace, CRDT identity of bodies (real SQLite file).</summary>
public sealed class SnapshotImportTests
{
    private static readonly DateTimeOffset Now = DateTimeOffset.FromUnixTimeMilliseconds(1_750_000_000_000);

    private static SnapshotImporter Importer() => new(time: new ManualTimeProvider(Now));

    /// <summary>A workspace with everything the format has to carry, including the awkward cases.</summary>
    private static async Task BuildRichWorkspaceAsync(SnapshotTestWorkspace workspace, string ws)
    {
        await workspace.PutJsonAsync(ws, "Daily/index.md", """
            {"filename":"index.md","title":"Daily: Index","part_of":null,
             "contents":["Daily/note one.md","Daily/Explanation (1.1).md","[Custom Title](/Daily/other.md)"],
             "attachments":[],"deleted":false,"audience":null,"description":null,
             "extra":{"tags":["a","b, c",2,true,null,[1,"x"]],"weather":{"t":21.50,"sky":"clear\n","list":[{"a":null}]},"ratio":1e5,"neg":-0,"2024":"numeric key","key: odd":"v","---k":"dashes","_hidden":1},
             "modified_at":1739190896789}
            """);
        await workspace.PutJsonAsync(ws, "Daily/note one.md", """
            {"filename":"note one.md","title":"line1\nline2","part_of":"Daily/index.md","contents":null,
             "attachments":[{"path":"_attachments/a b.png","source":"local","hash":"abc","mime_type":"image/png","size":5,"uploaded_at":1,"deleted":false},
                            {"path":"Daily/_att/x.png","source":"local","hash":"","mime_type":"","size":0,"uploaded_at":null,"deleted":false}],
             "deleted":false,"audience":["family","2024","yes"," spaced "],"description":"  two spaces  ","extra":{},"modified_at":-1}
            """);
        await workspace.PutJsonAsync(ws, "Daily/Explanation (1.1).md", """
            {"filename":"Explanation (1.1).md","title":"😀 emoji — \"quotes\" \\ backslash\tand tab","part_of":"Daily/index.md","modified_at":5}
            """);
        await workspace.PutJsonAsync(ws, "Daily/other.md", """{"filename":"other.md","title":2024,"contents":[],"modified_at":6}""");
        await workspace.PutJsonAsync(ws, "root.md", """{"filename":"root.md","title":"#hashtag","description":"~","modified_at":253402300799999}""");
        await workspace.PutJsonAsync(ws, "big.md", """{"filename":"big.md","title":"0x1F","modified_at":253402300800000}""");
        await workspace.PutJsonAsync(ws, "deep/a/b/c.md", """{"filename":"c.md","part_of":"../outside.md","contents":["./d.md"],"modified_at":7}""");
        await workspace.PutJsonAsync(ws, "gone.md", """{"filename":"gone.md","deleted":true,"modified_at":8}""");

        await workspace.SetBodyAsync(ws, "Daily/index.md", "# Daily\n");
        await workspace.SetBodyAsync(ws, "Daily/note one.md", "\n\nstarts with blank lines\r\nand CRLF\n");
        await workspace.SetBodyAsync(ws, "Daily/other.md", "---\nlooks like frontmatter\n---\n");
        await workspace.SetBodyAsync(ws, "root.md", "no newline at the end 😀");
        await workspace.SetBodyAsync(ws, "big.md", "\r\n");
    }

    [Fact]
    public async Task Export_import_export_is_byte_identical_without_an_extra_newline()
    {
        await using var workspace = new SnapshotTestWorkspace();
        await BuildRichWorkspaceAsync(workspace, "src");
        var first = await workspace.ExportAsync("src");
        Assert.Equal(7, first.FilesExported);

        var result = await workspace.ImportAsync("dst", first.Zip, SnapshotImportMode.Replace, Importer());
        var second = await workspace.ExportAsync("dst");

        Assert.Equal(7, result.FilesImported);
        Assert.Equal(TestZip.Read(first.Zip), TestZip.Read(second.Zip));
        Assert.Equal(first.Zip, second.Zip);
        // Bodies come back exactly (upstream prepended "\n" to every body on each round trip).
        foreach (var path in new[] { "Daily/index.md", "Daily/note one.md", "Daily/other.md", "root.md", "big.md", "deep/a/b/c.md" })
        {
            Assert.Equal(await workspace.BodyAsync("src", path), await workspace.BodyAsync("dst", path));
        }
        Assert.Equal("\n\nstarts with blank lines\r\nand CRLF\n", await workspace.BodyAsync("dst", "Daily/note one.md"));

        // And once more, into the source workspace itself (every key is overwritten in place).
        await workspace.ImportAsync("src", first.Zip, SnapshotImportMode.Merge, Importer());
        Assert.Equal(first.Zip, (await workspace.ExportAsync("src")).Zip);
    }

    [Fact]
    public async Task Imported_metadata_is_what_the_frontmatter_says()
    {
        await using var workspace = new SnapshotTestWorkspace();
        await BuildRichWorkspaceAsync(workspace, "src");
        await workspace.ImportAsync("dst", (await workspace.ExportAsync("src")).Zip, SnapshotImportMode.Merge, Importer());

        var entries = (await workspace.EntriesAsync("dst")).ToDictionary(e => e.Key, e => e.Metadata);
        var index = entries["Daily/index.md"];
        Assert.Equal("Daily: Index", index.Title);
        Assert.Equal(["Daily/note one.md", "Daily/Explanation (1.1).md", "[Custom Title](/Daily/other.md)"], index.Contents);
        Assert.Equal(1739190896789, index.ModifiedAt);
        Assert.Equal("[\"a\",\"b, c\",2,true,null,[1,\"x\"]]", index.Extra.Single(e => e.Key == "tags").Value);
        Assert.DoesNotContain(index.Extra, e => e.Key == "_hidden");
        var note = entries["Daily/note one.md"];
        Assert.Equal("line1\nline2", note.Title);
        Assert.Equal("Daily/index.md", note.PartOf);
        Assert.Null(note.Contents);
        Assert.Equal(["_attachments/a b.png", "Daily/_att/x.png"], note.Attachments.Select(a => a.Path));
        Assert.Equal("2024", entries["Daily/other.md"].Title);
        Assert.Equal("../outside.md", entries["deep/a/b/c.md"].PartOf);
        Assert.Equal(["d.md"], entries["deep/a/b/c.md"].Contents); // stored values are workspace paths: "./d.md" was "d.md"
        Assert.False(entries.ContainsKey("gone.md"));
        Assert.Equal("note one.md", note.Filename);
    }

    [Fact]
    public async Task Merge_keeps_other_files_and_replaces_whole_metadata_of_imported_paths()
    {
        await using var workspace = new SnapshotTestWorkspace();
        await workspace.PutJsonAsync("w", "keep.md", """{"filename":"keep.md","title":"Keep","modified_at":1}""");
        await workspace.PutJsonAsync("w", "a.md", """{"filename":"a.md","title":"Old","description":"old","extra":{"x":1},"modified_at":1}""");
        await workspace.SetBodyAsync("w", "keep.md", "kept body");
        await workspace.SetBodyAsync("w", "a.md", "old body");
        var keepBefore = await workspace.RawValueAsync("w", "keep.md");

        var result = await workspace.ImportAsync("w", TestZip.Of(
            ("a.md", "---\ntitle: New\nupdated: 1000\n---\n\nnew body"),
            ("sub/new.md", "no frontmatter at all")), SnapshotImportMode.Merge, Importer());

        Assert.Equal((2, 0), (result.FilesImported, result.FilesDeleted));
        Assert.Equal(keepBefore, await workspace.RawValueAsync("w", "keep.md"));
        Assert.Equal("kept body", await workspace.BodyAsync("w", "keep.md"));
        var entries = (await workspace.EntriesAsync("w")).ToDictionary(e => e.Key, e => e.Metadata);
        Assert.Equal(("New", null, 1000L), (entries["a.md"].Title, entries["a.md"].Description, entries["a.md"].ModifiedAt));
        Assert.Empty(entries["a.md"].Extra);
        Assert.Equal("new body", await workspace.BodyAsync("w", "a.md"));
        Assert.Equal(("new.md", null, Now.ToUnixTimeMilliseconds()), (entries["sub/new.md"].Filename, entries["sub/new.md"].Title, entries["sub/new.md"].ModifiedAt));
        Assert.Equal("no frontmatter at all", await workspace.BodyAsync("w", "sub/new.md"));
    }

    [Fact]
    public async Task Replace_tombstones_every_other_live_file_and_keeps_their_bodies()
    {
        await using var workspace = new SnapshotTestWorkspace();
        await workspace.PutJsonAsync("w", "keep.md", """{"filename":"keep.md","title":"Keep","extra":{"y":2},"modified_at":1}""");
        await workspace.PutJsonAsync("w", "already-gone.md", """{"filename":"already-gone.md","deleted":true,"modified_at":2}""");
        await workspace.PutJsonAsync("w", "a.md", """{"filename":"a.md","title":"Old","modified_at":1}""");
        await workspace.SetBodyAsync("w", "keep.md", "kept body");
        var goneBefore = await workspace.RawValueAsync("w", "already-gone.md");

        var result = await workspace.ImportAsync("w", TestZip.Of(("a.md", "---\ntitle: New\nupdated: 1000\n---\n\nnew")), SnapshotImportMode.Replace, Importer());

        Assert.Equal((1, 1), (result.FilesImported, result.FilesDeleted));
        var entries = (await workspace.EntriesAsync("w")).ToDictionary(e => e.Key, e => e.Metadata);
        Assert.True(entries["keep.md"].Deleted);
        Assert.Equal(Now.ToUnixTimeMilliseconds(), entries["keep.md"].ModifiedAt);
        Assert.Equal(("Keep", "y", "2"), (entries["keep.md"].Title, entries["keep.md"].Extra.Single().Key, entries["keep.md"].Extra.Single().Value));
        Assert.Equal(goneBefore, await workspace.RawValueAsync("w", "already-gone.md"));
        Assert.False(entries["a.md"].Deleted);
        Assert.Equal("kept body", await workspace.BodyAsync("w", "keep.md"));
        var export = TestZip.Read((await workspace.ExportAsync("w")).Zip);
        Assert.Equal(["a.md"], export.Select(e => e.Name));
    }

    [Fact]
    public async Task An_imported_path_wins_over_a_doc_id_or_alias_that_resolved_to_it()
    {
        await using var workspace = new SnapshotTestWorkspace();
        // A doc id whose path is a.md, newer than the file about to be imported, and a legacy alias.
        await workspace.PutJsonAsync("w", "id-a", """{"filename":"a.md","title":"Doc id","modified_at":9000000000000}""");
        await workspace.PutJsonAsync("w", "./b.md", """{"filename":"b.md","title":"Alias","modified_at":9000000000000}""");

        foreach (var mode in new[] { SnapshotImportMode.Merge, SnapshotImportMode.Replace })
        {
            var result = await workspace.ImportAsync("w", TestZip.Of(
                ("a.md", "---\ntitle: Imported A\nupdated: 1000\n---\n"),
                ("b.md", "---\ntitle: Imported B\nupdated: 2000\n---\n")), mode, Importer());

            var entries = (await workspace.EntriesAsync("w")).ToDictionary(e => e.Key, e => e.Metadata);
            Assert.True(entries["id-a"].Deleted);
            Assert.True(entries["id-a"].ModifiedAt <= 1000);
            Assert.False(entries.ContainsKey("./b.md"));
            Assert.Equal(
                [("a.md", "Imported A", false), ("b.md", "Imported B", false)],
                (await workspace.NewEditor().ReadAsync(SnapshotTestWorkspace.WorkspaceDoc("w"), WorkspaceFiles.List))
                    .Select(f => (f.Path, f.Title, f.Deleted)));
            Assert.Equal(2, result.FilesImported);
        }
    }

    [Fact]
    public async Task A_changed_body_replaces_only_its_middle_so_unchanged_text_keeps_its_identity()
    {
        await using var workspace = new SnapshotTestWorkspace();
        var before = string.Concat(Enumerable.Range(0, 2000).Select(i => $"line {i}\n"));
        var after = before.Replace("line 1000\n", "line one thousand\n");
        await workspace.ImportAsync("w", TestZip.Of(("big.md", before)), SnapshotImportMode.Merge, Importer());
        var logBefore = (await workspace.Store.LoadAsync(SnapshotTestWorkspace.BodyDoc("w", "big.md"))).Updates.Count;

        await workspace.ImportAsync("w", TestZip.Of(("big.md", after)), SnapshotImportMode.Merge, Importer());
        // The same text again changes nothing at all.
        await workspace.ImportAsync("w", TestZip.Of(("big.md", after)), SnapshotImportMode.Merge, Importer());

        var log = (await workspace.Store.LoadAsync(SnapshotTestWorkspace.BodyDoc("w", "big.md"))).Updates;
        Assert.Equal(logBefore + 1, log.Count);
        Assert.True(log[^1].Data.Length < 100, $"the edit's update is {log[^1].Data.Length} bytes for a {before.Length}-character body");
        Assert.Equal(after, await workspace.BodyAsync("w", "big.md"));
    }

    [Fact]
    public async Task Non_markdown_entries_and_directories_are_skipped_and_reported()
    {
        await using var workspace = new SnapshotTestWorkspace();

        var result = await workspace.ImportAsync("w", TestZip.Of(
            ("notes/", ""), ("notes/a.md", "A"), ("notes/pic.png", "png"), ("README.MD", "upper case"), ("b.md.txt", "x")), SnapshotImportMode.Merge, Importer());

        Assert.Equal(1, result.FilesImported);
        Assert.Equal(["notes/pic.png", "README.MD", "b.md.txt"], result.IgnoredEntries);
        Assert.Equal(["notes/a.md"], (await workspace.EntriesAsync("w")).Select(e => e.Key));
    }

    [Theory]
    [InlineData("merge", true, SnapshotImportMode.Merge)]
    [InlineData("replace", true, SnapshotImportMode.Replace)]
    [InlineData("Merge", false, SnapshotImportMode.Merge)]
    [InlineData("REPLACE", false, SnapshotImportMode.Merge)]
    [InlineData("", false, SnapshotImportMode.Merge)]
    [InlineData(null, false, SnapshotImportMode.Merge)]
    public void Only_merge_and_replace_are_modes(string? text, bool valid, SnapshotImportMode mode)
    {
        Assert.Equal(valid, SnapshotImportModes.TryParse(text, out var parsed));
        Assert.Equal(mode, parsed);
        Assert.Equal("unknown snapshot import mode 'Merge' (use merge or replace)", SnapshotImportModes.InvalidModeMessage("Merge"));
    }
}
