using System.IO.Compression;
using System.Text;
using Diaryx.Sync.Lite.Storage.Snapshots;

namespace Diaryx.Sync.Lite.Tests.Snapshots;

/// <summary>
/// Hostile and broken zips (reference/http-storage.md §9, DESIGN.md §4): each is refused with a clear
/// error and NOTHING is applied — the database holds exactly what it held before, even when the bad
/// entry comes after good ones.
/// </summary>
public sealed class HostileZipTests
{
    private const string Ws = "target";

    private static readonly (string Name, string Text) Good = ("good.md", "---\ntitle: Good\n---\n\nfine");

    /// <summary>Imports <paramref name="zip"/> into a workspace that already has a file; asserts the refusal and that storage did not change.</summary>
    private static async Task<SnapshotImportException> AssertRefusedAsync(byte[] zip, SnapshotImportError error, SnapshotLimits? limits = null, SnapshotImportMode mode = SnapshotImportMode.Replace)
    {
        await using var workspace = new SnapshotTestWorkspace();
        await workspace.PutJsonAsync(Ws, "existing.md", """{"filename":"existing.md","title":"Existing","modified_at":1}""");
        await workspace.SetBodyAsync(Ws, "existing.md", "existing body");
        var before = await workspace.FingerprintAsync();

        var refusal = await Assert.ThrowsAsync<SnapshotImportException>(() => workspace.ImportAsync(Ws, zip, mode, new SnapshotImporter(limits)));

        Assert.Equal(error, refusal.Error);
        Assert.DoesNotContain('\n', refusal.Message);
        Assert.Equal(before, await workspace.FingerprintAsync());
        return refusal;
    }

    [Theory]
    [InlineData("../evil.md", "'.' or '..' segment")]
    [InlineData("notes/../../evil.md", "'.' or '..' segment")]
    [InlineData("./evil.md", "'.' or '..' segment")]
    [InlineData("/etc/evil.md", "absolute path")]
    [InlineData("\\evil.md", "absolute path")]
    [InlineData("notes\\..\\evil.md", "backslash")]
    [InlineData("C:/evil.md", "drive letter")]
    [InlineData("c:evil.md", "drive letter")]
    [InlineData("a\0b.md", "NUL")]
    [InlineData("a\u0007b.md", "control character")]
    [InlineData("notes//evil.md", "empty segment")]
    [InlineData("../outside.png", "'.' or '..' segment")]
    [InlineData("../dir/", "'.' or '..' segment")]
    public async Task Unsafe_entry_names_are_refused(string name, string problem)
    {
        var refusal = await AssertRefusedAsync(TestZip.Of(Good, (name, "x")), SnapshotImportError.UnsafeEntryName);
        Assert.Contains(problem, refusal.Message);
        Assert.Contains("unsafe entry name", refusal.Message);
        Assert.NotNull(refusal.EntryName);
    }

    [Fact]
    public async Task Over_long_names_and_segments_are_refused()
    {
        var longName = string.Join('/', Enumerable.Repeat("folder", 200)) + ".md";
        Assert.Contains("longer than 1024", (await AssertRefusedAsync(TestZip.Of((longName, "x")), SnapshotImportError.UnsafeEntryName)).Message);
        var longSegment = new string('s', 300) + ".md";
        Assert.Contains("segment longer than 255", (await AssertRefusedAsync(TestZip.Of((longSegment, "x")), SnapshotImportError.UnsafeEntryName)).Message);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Entry_names_that_are_not_utf8_are_refused(bool utf8Flag)
    {
        var zip = TestZip.Of(Good, ("ab.md", "x"));
        zip = TestZip.WithNameBytes(zip, 1, [(byte)'a', 0xFF, (byte)'.', (byte)'m', (byte)'d']);
        zip = utf8Flag ? TestZip.WithFlags(zip, 1, set: 0x0800) : TestZip.WithFlags(zip, 1, set: 0, clear: 0x0800);

        var refusal = await AssertRefusedAsync(zip, SnapshotImportError.UnsafeEntryName);
        Assert.Contains("not valid UTF-8", refusal.Message);
    }

    [Fact]
    public async Task Duplicate_entry_names_are_refused()
    {
        var refusal = await AssertRefusedAsync(TestZip.Of(Good, ("a.md", "one"), ("a.md", "two")), SnapshotImportError.DuplicateEntry);
        Assert.Contains("'a.md' appears more than once", refusal.Message);
    }

    [Fact]
    public async Task Too_many_entries_are_refused_before_anything_is_read()
    {
        var entries = Enumerable.Range(0, 6).Select(i => ($"f{i}.md", "x")).ToArray();
        var refusal = await AssertRefusedAsync(TestZip.Of(entries), SnapshotImportError.TooManyEntries, new SnapshotLimits { MaxEntries = 5 });
        Assert.Contains("6 entries; at most 5", refusal.Message);
        // Ignored entries count too.
        await AssertRefusedAsync(TestZip.Of([.. entries.Take(5), ("pic.png", "x")]), SnapshotImportError.TooManyEntries, new SnapshotLimits { MaxEntries = 5 });
    }

    [Fact]
    public async Task The_declared_entry_count_is_checked_before_the_directory_is_read_and_a_lying_one_is_caught()
    {
        var zip = TestZip.Of(Good, ("b.md", "B"), ("c.md", "C"));
        Assert.Equal(3, Diaryx.Sync.Lite.Storage.Snapshots.SnapshotImporter.DeclaredEntryCount(zip));

        // Claims 60,000 entries (and has 3): refused from the end record alone.
        var claimsMany = (byte[])zip.Clone();
        System.Buffers.Binary.BinaryPrimitives.WriteUInt16LittleEndian(claimsMany.AsSpan(claimsMany.Length - 22 + 8), 60_000);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt16LittleEndian(claimsMany.AsSpan(claimsMany.Length - 22 + 10), 60_000);
        Assert.Contains("60000 entries; at most 10000", (await AssertRefusedAsync(claimsMany, SnapshotImportError.TooManyEntries)).Message);

        // Claims 1 entry (and has 3).
        var claimsOne = (byte[])zip.Clone();
        System.Buffers.Binary.BinaryPrimitives.WriteUInt16LittleEndian(claimsOne.AsSpan(claimsOne.Length - 22 + 8), 1);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt16LittleEndian(claimsOne.AsSpan(claimsOne.Length - 22 + 10), 1);
        await AssertRefusedAsync(claimsOne, SnapshotImportError.InvalidArchive);
    }

    [Fact]
    public async Task A_real_zip_bomb_is_stopped_at_the_default_per_entry_limit()
    {
        // 64 MiB of zeros deflates to about 64 KiB; the default per-entry limit is 32 MiB.
        var zip = TestZip.Build(("bomb.md", new byte[64 * 1024 * 1024]));
        Assert.True(zip.Length < 200_000);

        var refusal = await AssertRefusedAsync(zip, SnapshotImportError.TooLarge);
        Assert.Contains("'bomb.md' inflates to more than 33554432 bytes", refusal.Message);
    }

    [Theory]
    [InlineData(100u)]       // "small": slips under the limit, hoping the real 210 KB is not counted
    [InlineData(100_000u)]   // still under the 128 KB limit, and wrong
    public async Task A_header_that_lies_about_the_size_is_caught(uint claimed)
    {
        // 210 KB of text whose headers claim another size; the per-entry limit is 128 KB.
        var text = string.Concat(Enumerable.Repeat("all work and no play\n", 10_000));
        var zip = TestZip.WithDeclaredSize(TestZip.Of(Good, ("liar.md", text)), 1, claimed);

        var refusal = await AssertRefusedAsync(zip, SnapshotImportError.InvalidArchive, new SnapshotLimits { MaxEntryInflatedBytes = 128 * 1024 });
        Assert.Contains("'liar.md' does not match the size or checksum in its header", refusal.Message);
    }

    [Fact]
    public async Task A_header_that_admits_a_size_over_the_limit_is_refused_before_inflating()
    {
        var zip = TestZip.WithDeclaredSize(TestZip.Of(Good, ("big.md", "tiny")), 1, 10_000_000);
        var refusal = await AssertRefusedAsync(zip, SnapshotImportError.TooLarge, new SnapshotLimits { MaxEntryInflatedBytes = 1024 * 1024 });
        Assert.Contains("'big.md' inflates to more than 1048576 bytes", refusal.Message);
    }

    [Fact]
    public async Task The_total_inflated_size_is_limited_across_entries()
    {
        var chunk = new byte[900 * 1024];
        Array.Fill(chunk, (byte)'a');
        var zip = TestZip.Build(("1.md", chunk), ("2.md", chunk), ("3.md", chunk), ("4.md", chunk));

        var refusal = await AssertRefusedAsync(zip, SnapshotImportError.TooLarge, new SnapshotLimits { MaxEntryInflatedBytes = 1024 * 1024, MaxTotalInflatedBytes = 3 * 1024 * 1024 });
        Assert.Contains("inflates to more than 3145728 bytes in all", refusal.Message);
    }

    [Fact]
    public async Task An_archive_over_the_upload_limit_is_refused_unread()
    {
        var noise = new byte[5000];
        new Random(1).NextBytes(noise);
        var refusal = await AssertRefusedAsync(TestZip.Build(("noise.md", noise)), SnapshotImportError.TooLarge, new SnapshotLimits { MaxArchiveBytes = 1000 });
        Assert.Contains("archive is larger than 1000 bytes", refusal.Message);
    }

    [Theory]
    [InlineData(new byte[0])]
    [InlineData(new byte[] { 1, 2, 3, 4, 5, 6, 7, 8 })]
    [InlineData(new byte[] { 0x50, 0x4B, 0x03, 0x04, 0, 0, 0, 0, 0, 0 })]
    public async Task Something_that_is_not_a_zip_is_refused(byte[] bytes)
    {
        var refusal = await AssertRefusedAsync(bytes, SnapshotImportError.InvalidArchive);
        Assert.Contains("not a readable zip archive", refusal.Message);
    }

    [Fact]
    public async Task Corrupt_compressed_data_is_refused()
    {
        var zip = TestZip.Of(Good, ("c.md", new string('c', 10_000) + "tail"));
        var (local, _) = TestZip.Headers(zip, 1);
        var dataStart = local + 30 + BitConverter.ToUInt16(zip, local + 26) + BitConverter.ToUInt16(zip, local + 28);
        for (var i = dataStart; i < dataStart + 8; i++) zip[i] ^= 0xFF;

        var refusal = await AssertRefusedAsync(zip, SnapshotImportError.InvalidArchive);
        Assert.Contains("'c.md' cannot be decompressed", refusal.Message);
    }

    [Fact]
    public async Task Encrypted_entries_are_refused()
    {
        var refusal = await AssertRefusedAsync(TestZip.WithFlags(TestZip.Of(Good, ("secret.md", "x")), 1, set: 0x0001), SnapshotImportError.InvalidArchive);
        Assert.Contains("'secret.md' is encrypted", refusal.Message);
    }

    [Fact]
    public async Task Symbolic_links_are_refused()
    {
        var zip = TestZip.WithExternalAttributes(TestZip.Of(Good, ("link.md", "/etc/passwd")), 1, 0xA1FFu << 16);
        var refusal = await AssertRefusedAsync(zip, SnapshotImportError.UnsafeEntryName);
        Assert.Contains("'link.md' is a symbolic link", refusal.Message);
    }

    [Fact]
    public async Task Markdown_that_is_not_utf8_is_refused()
    {
        var zip = TestZip.Build(("good.md", Encoding.UTF8.GetBytes("fine")), ("latin1.md", [0x63, 0x61, 0x66, 0xE9]));
        var refusal = await AssertRefusedAsync(zip, SnapshotImportError.InvalidContent);
        Assert.Contains("'latin1.md' is not valid UTF-8 text", refusal.Message);
    }

    [Fact]
    public async Task Bad_frontmatter_in_the_last_file_leaves_everything_untouched_even_in_replace_mode()
    {
        var zip = TestZip.Of(Good, ("b.md", "B"), ("z.md", "---\ntitle: [unclosed\n---\n\nbody"));
        var refusal = await AssertRefusedAsync(zip, SnapshotImportError.InvalidContent);
        Assert.StartsWith("failed to parse the frontmatter of 'z.md': ", refusal.Message);
        Assert.Equal("z.md", refusal.EntryName);
    }

    [Fact]
    public async Task Validation_happens_before_the_database_is_touched_and_a_valid_zip_still_applies()
    {
        await using var workspace = new SnapshotTestWorkspace();
        var importer = new SnapshotImporter();
        await Assert.ThrowsAsync<SnapshotImportException>(() => importer.ReadAsync(new MemoryStream(TestZip.Of(("../x.md", "x")))));
        Assert.Empty(await workspace.Store.ListAsync(""));

        var plan = await importer.ReadAsync(new MemoryStream(TestZip.Of(Good)));
        Assert.Equal(["good.md"], plan.Files.Select(f => f.Path));
        Assert.Empty(await workspace.Store.ListAsync(""));
        await importer.ApplyAsync(Ws, plan, SnapshotImportMode.Merge, workspace.NewEditor());
        Assert.Equal(["body:target/good.md", "workspace:target"], await workspace.Store.ListAsync(""));
    }
}
