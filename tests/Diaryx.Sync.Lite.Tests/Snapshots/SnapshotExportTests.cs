using System.Buffers.Binary;
using Diaryx.Sync.Lite.Documents;

namespace Diaryx.Sync.Lite.Tests.Snapshots;

/// <summary>Workspace → zip, against reference/http-storage.md §7.1, on a real SQLite file.</summary>
public sealed class SnapshotExportTests
{
    private const string Ws = "ws-export";

    [Fact]
    public async Task The_reference_example_is_exported_byte_for_byte_in_a_deflate_0644_zip()
    {
        await using var workspace = new SnapshotTestWorkspace();
        await workspace.PutAsync(Ws, "Daily/note-one.md", new FileMetadata
        {
            Filename = "note-one.md",
            Title = "Note: One",
            PartOf = "Daily/index.md",
            Audience = ["family"],
            ModifiedAt = 1739190896789,
        });
        await workspace.PutAsync(Ws, "Daily/index.md", new FileMetadata
        {
            Filename = "index.md",
            Title = "Daily",
            Contents = ["Daily/note-one.md"],
            ModifiedAt = 1739190000000,
        });
        await workspace.SetBodyAsync(Ws, "Daily/note-one.md", "Hi");
        await workspace.SetBodyAsync(Ws, "Daily/index.md", "# Daily\n");

        var export = await workspace.ExportAsync(Ws);

        Assert.Equal(
            [
                ("Daily/index.md", "---\ntitle: Daily\ncontents:\n  - \"[Note One](/Daily/note-one.md)\"\nupdated: \"2025-02-10T12:20:00.000Z\"\n---\n\n# Daily\n"),
                ("Daily/note-one.md", "---\ntitle: \"Note: One\"\npart_of: \"[Index](/Daily/index.md)\"\naudience:\n  - family\nupdated: \"2025-02-10T12:34:56.789Z\"\n---\n\nHi"),
            ],
            TestZip.Read(export.Zip));
        Assert.Equal(["Daily/index.md", "Daily/note-one.md"], export.Paths);

        for (var i = 0; i < 2; i++)
        {
            var (local, central) = TestZip.Headers(export.Zip, i);
            Assert.Equal(8, BinaryPrimitives.ReadUInt16LittleEndian(export.Zip.AsSpan(local + 8)));     // Deflate
            Assert.Equal(0, BinaryPrimitives.ReadUInt16LittleEndian(export.Zip.AsSpan(local + 10)));    // 00:00:00
            Assert.Equal(0x21, BinaryPrimitives.ReadUInt16LittleEndian(export.Zip.AsSpan(local + 12))); // 1980-01-01
            Assert.Equal(3, export.Zip[central + 5]);                                                   // made by: unix
            Assert.Equal(0x81A40000u, BinaryPrimitives.ReadUInt32LittleEndian(export.Zip.AsSpan(central + 38))); // -rw-r--r--
        }

        // Deterministic: the same workspace gives the same bytes.
        Assert.Equal(export.Zip, (await workspace.ExportAsync(Ws)).Zip);
    }

    [Fact]
    public async Task Every_field_is_written_in_order_with_extra_keys_last()
    {
        await using var workspace = new SnapshotTestWorkspace();
        await workspace.PutJsonAsync(Ws, "Notes/a.md", """
            {"filename":"a.md","title":"A","part_of":"[Home Page](/index.md)","contents":[],
             "attachments":[{"path":"_attachments/pic one.png","source":"local","hash":"","mime_type":"image/png","size":1,"uploaded_at":null,"deleted":false}],
             "deleted":false,"audience":["me","2024"],"description":"Short: one",
             "extra":{"_internal":1,"mood":"happy","tags":["a","b, c",2,[1]],"weather":{"t":21.5,"sky":"é\n"},"done":true,"none":null,"count":3,"title":"dup","key: odd":"x"},
             "modified_at":0}
            """);

        var export = await workspace.ExportAsync(Ws);

        var (name, text) = Assert.Single(TestZip.Read(export.Zip));
        Assert.Equal("Notes/a.md", name);
        Assert.Equal(
            """
            ---
            title: A
            part_of: "[Home Page](/index.md)"
            contents: []
            audience:
              - me
              - "2024"
            description: "Short: one"
            attachments:
              - _attachments/pic one.png
            updated: "1970-01-01T00:00:00.000Z"
            mood: happy
            tags: [a, "b, c", 2, [1]]
            weather: {"t":21.5,"sky":"é\n"}
            done: true
            none: null
            count: 3
            "key: odd": x
            ---


            """.ReplaceLineEndings("\n"),
            text);
    }

    [Fact]
    public async Task Doc_id_keys_resolve_through_part_of_and_deleted_or_unresolvable_files_are_left_out()
    {
        await using var workspace = new SnapshotTestWorkspace();
        await workspace.PutAsync(Ws, "id-journal", new FileMetadata { Filename = "journal", Title = "Journal", Contents = ["id-day", "id-ghost"], ModifiedAt = 1000 });
        await workspace.PutAsync(Ws, "id-day", new FileMetadata { Filename = "day-one.md", Title = "Day One", PartOf = "id-journal", ModifiedAt = 2000 });
        await workspace.PutAsync(Ws, "id-gone", new FileMetadata { Filename = "gone.md", Deleted = true, ModifiedAt = 3000 });
        await workspace.PutAsync(Ws, "id-orphan", new FileMetadata { Filename = "orphan.md", PartOf = "id-missing", ModifiedAt = 4000 });
        await workspace.PutAsync(Ws, "notes/plain.md", new FileMetadata { Filename = "plain.md", PartOf = "id-journal", ModifiedAt = 5000 });
        await workspace.PutJsonAsync(Ws, "broken.md", "{not json");
        await workspace.PutJsonAsync(Ws, "scratch.md.tmp", "{\"filename\":\"scratch.md.tmp\"}");
        // The body lives under the doc id (older clients): used when the path's body is empty.
        await workspace.SetBodyAsync(Ws, "id-day", "from the doc id key");
        await workspace.SetBodyAsync(Ws, "notes/plain.md", "plain body");

        var export = await workspace.ExportAsync(Ws);

        Assert.Equal(
            [
                ("journal", "---\ntitle: Journal\ncontents:\n  - \"[Day One](/journal/day-one.md)\"\nupdated: \"1970-01-01T00:00:01.000Z\"\n---\n\n"),
                ("journal/day-one.md", "---\ntitle: Day One\npart_of: \"[Journal](/journal)\"\nupdated: \"1970-01-01T00:00:02.000Z\"\n---\n\nfrom the doc id key"),
                ("notes/plain.md", "---\npart_of: \"[Journal](/journal)\"\nupdated: \"1970-01-01T00:00:05.000Z\"\n---\n\nplain body"),
            ],
            TestZip.Read(export.Zip));
        Assert.Equal(1, export.SkippedDeleted);
        Assert.Equal(1, export.SkippedUnresolved);
    }

    [Fact]
    public async Task Timestamps_outside_years_1_to_9999_are_written_as_numbers()
    {
        await using var workspace = new SnapshotTestWorkspace();
        await workspace.PutAsync(Ws, "max.md", new FileMetadata { Filename = "max.md", ModifiedAt = 253402300799999 });
        await workspace.PutAsync(Ws, "over.md", new FileMetadata { Filename = "over.md", ModifiedAt = 253402300800000 });
        await workspace.PutAsync(Ws, "before.md", new FileMetadata { Filename = "before.md", ModifiedAt = -1 });

        var texts = TestZip.Read((await workspace.ExportAsync(Ws)).Zip).ToDictionary(e => e.Name, e => e.Text);

        Assert.Equal("---\nupdated: \"1969-12-31T23:59:59.999Z\"\n---\n\n", texts["before.md"]);
        Assert.Equal("---\nupdated: \"9999-12-31T23:59:59.999Z\"\n---\n\n", texts["max.md"]);
        Assert.Equal("---\nupdated: 253402300800000\n---\n\n", texts["over.md"]);
    }

    [Fact]
    public async Task An_empty_workspace_is_an_empty_zip()
    {
        await using var workspace = new SnapshotTestWorkspace();

        var export = await workspace.ExportAsync("nothing-here");

        Assert.Equal(22, export.Zip.Length); // the end-of-central-directory record alone
        Assert.Empty(TestZip.Read(export.Zip));
        Assert.Equal(0, export.FilesExported);
    }
}
