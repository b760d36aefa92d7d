using System.Text;
using Diaryx.Sync.Lite.Documents;
using Diaryx.Sync.Lite.Storage.Snapshots;

namespace Diaryx.Sync.Lite.Tests.Snapshots;

/// <summary>The markdown/YAML of one snapshot file: quoting, links, titles, frontmatter detection, field parsing.</summary>
public sealed class SnapshotFormatTests
{
    private const long Now = 1_700_000_000_000;

    [Theory]
    // Plain: nothing YAML could misread.
    [InlineData("plain", "plain")]
    [InlineData("Hello world", "Hello world")]
    [InlineData("日記 2025", "日記 2025")]
    [InlineData("y", "y")]
    [InlineData("a\\b", "a\\b")]
    [InlineData("a, b", "a, b")]
    [InlineData("-x", "-x")]
    [InlineData("a\tb", "a\tb")]
    // Upstream's triggers: empty, any of : # [ ] { } | > & * ! ? ' " % @ `, a newline, edge spaces, numbers, keywords.
    [InlineData("", "\"\"")]
    [InlineData("Note: One", "\"Note: One\"")]
    [InlineData("a#b", "\"a#b\"")]
    [InlineData("[x]", "\"[x]\"")]
    [InlineData("{x}", "\"{x}\"")]
    [InlineData("a|b", "\"a|b\"")]
    [InlineData("a>b", "\"a>b\"")]
    [InlineData("R&D", "\"R&D\"")]
    [InlineData("a*b", "\"a*b\"")]
    [InlineData("Hi!", "\"Hi!\"")]
    [InlineData("why?", "\"why?\"")]
    [InlineData("it's", "\"it's\"")]
    [InlineData("say \"hi\"", "\"say \\\"hi\\\"\"")]
    [InlineData("50%", "\"50%\"")]
    [InlineData("a@b", "\"a@b\"")]
    [InlineData("a`b", "\"a`b\"")]
    [InlineData("C:\\dir", "\"C:\\\\dir\"")]
    [InlineData(" lead", "\" lead\"")]
    [InlineData("trail ", "\"trail \"")]
    [InlineData("2024", "\"2024\"")]
    [InlineData("-1.5", "\"-1.5\"")]
    [InlineData("1e5", "\"1e5\"")]
    [InlineData(".5", "\".5\"")]
    [InlineData("5.", "\"5.\"")]
    [InlineData("inf", "\"inf\"")]
    [InlineData("NaN", "\"NaN\"")]
    [InlineData("Infinity", "\"Infinity\"")]
    [InlineData("true", "\"true\"")]
    [InlineData("No", "\"No\"")]
    [InlineData("ON", "\"ON\"")]
    [InlineData("off", "\"off\"")]
    [InlineData("yes", "\"yes\"")]
    [InlineData("null", "\"null\"")]
    // Ours, where upstream's output would not read back: escaped newline, other YAML values, indicators.
    [InlineData("line1\nline2", "\"line1\\nline2\"")]
    [InlineData("a\r\nb", "\"a\\r\\nb\"")]
    [InlineData("bell\u0007", "\"bell\\u0007\"")]
    [InlineData("a\u0085b", "\"a\\u0085b\"")]
    [InlineData("a\u2028b", "\"a\\u2028b\"")]
    [InlineData("~", "\"~\"")]
    [InlineData("0x1F", "\"0x1F\"")]
    [InlineData("0o17", "\"0o17\"")]
    [InlineData(".inf", "\".inf\"")]
    [InlineData("- item", "\"- item\"")]
    [InlineData("-", "\"-\"")]
    [InlineData(",x", "\",x\"")]
    [InlineData("\ttab", "\"\ttab\"")]
    public void Strings_are_quoted_exactly_when_needed(string value, string expected)
    {
        Assert.Equal(expected, FrontmatterYaml.String(value));
    }

    [Fact]
    public void In_flow_sequences_a_comma_needs_quotes_too()
    {
        Assert.Equal("a, b", FrontmatterYaml.String("a, b"));
        Assert.Equal("\"a, b\"", FrontmatterYaml.String("a, b", flow: true));
    }

    [Fact]
    public void Every_emitted_string_reads_back_as_itself()
    {
        var random = new Random(20260211);
        var alphabet = "ab Z09:#[]{}|>&*!?'\"%@`,-~._/\\\t\n\r\u0001\u007f\u0085\u00a0\u2028\ufeff日😀+eE"
            .EnumerateRunes().Select(r => r.ToString()).ToArray();
        var samples = new List<string> { "", "~", "-", "- ", "---", "...", "0", "00", "0123", "+1", "-0", "1_000", "0b101", ".NaN", "True", "TRUE", "@x", "%x", "<<" };
        for (var i = 0; i < 3000; i++)
        {
            var length = random.Next(1, 9);
            samples.Add(string.Concat(Enumerable.Range(0, length).Select(_ => alphabet[random.Next(alphabet.Length)])));
        }
        foreach (var value in samples)
        {
            var yaml = $"k: {FrontmatterYaml.String(value)}\nl: [{FrontmatterYaml.String(value, flow: true)}, x]\n{FrontmatterYaml.Key(value)}: v\n";
            var mapping = FrontmatterYaml.Read(yaml);
            Assert.True(value == ((YamlScalar)mapping.Get("k")!).AsString, $"value {Escape(value)} written as {Escape(yaml)}");
            var list = (YamlSequence)mapping.Get("l")!;
            Assert.True(value == ((YamlScalar)list.Items[0]).AsString, $"flow item {Escape(value)} written as {Escape(yaml)}");
            Assert.True(mapping.Entries.Count == 3 && mapping.Entries[2].Key == value, $"key {Escape(value)} written as {Escape(yaml)}");
        }
    }

    private static string Escape(string text) => Configuration.RawSetting.Printable(text);

    [Theory]
    [InlineData("daily/my_note-2.md", "My Note 2")]
    [InlineData("utility_index.md", "Utility Index")]
    [InlineData("Folder/my-file.md", "My File")]
    [InlineData("2025.md", "2025")]
    [InlineData("README.md", "README")]
    [InlineData("a/b.tar.gz", "B.tar")]
    [InlineData(".hidden", ".hidden")]
    [InlineData("über_alles.md", "über Alles")]
    [InlineData("a/__x__.md", "X")]
    public void Link_titles_are_derived_from_the_path(string path, string title)
    {
        Assert.Equal(title, SnapshotLinks.TitleFromPath(path));
    }

    [Theory]
    [InlineData("Daily/index.md", "Index", "[Index](/Daily/index.md)")]
    [InlineData("My Folder/my file.md", "My File", "[My File](</My Folder/my file.md>)")]
    [InlineData("Archive/Explanation (1.1).md", "Explanation (1.1)", "[Explanation (1.1)](</Archive/Explanation (1.1).md>)")]
    public void Links_use_root_paths_and_angle_brackets_for_spaces_and_parentheses(string path, string title, string link)
    {
        Assert.Equal(link, SnapshotLinks.Format(path, title));
        var parsed = SnapshotLinks.Parse(link);
        Assert.Equal((title, path, LinkPathType.WorkspaceRoot), (parsed.Title, parsed.Path, parsed.Type));
    }

    [Theory]
    [InlineData("[Index](/Daily/index.md)", "Other/entry.md", "Daily/index.md")]
    [InlineData("/Daily/index.md", "Other/entry.md", "Daily/index.md")]
    [InlineData("../index.md", "Folder/Sub/entry.md", "Folder/index.md")]
    [InlineData("./sibling.md", "Folder/entry.md", "Folder/sibling.md")]
    [InlineData("child.md", "Folder/index.md", "Folder/child.md")]
    [InlineData("../../root.md", "A/B/C/file.md", "A/root.md")]
    [InlineData("../x.md", "top.md", "../x.md")]
    [InlineData("[File (a (b))](/path/file (a (b)).md)", "x.md", "path/file (a (b)).md")]
    [InlineData("[A]b](/a]b.md)", "x.md", "a]b.md")]
    [InlineData("  [Index](/Daily//./index.md)  ", "x.md", "Daily/index.md")]
    public void Links_resolve_to_workspace_paths(string link, string file, string canonical)
    {
        Assert.Equal(canonical, SnapshotLinks.ToCanonical(SnapshotLinks.Parse(link), file));
    }

    [Fact]
    public void A_link_keeps_its_title_only_when_it_differs_from_the_derived_one()
    {
        Assert.Equal("Daily/index.md", SnapshotMarkdown.ImportLink("[Index](/Daily/index.md)", "Daily/a.md"));
        Assert.Equal("[The Days](/Daily/index.md)", SnapshotMarkdown.ImportLink("[The Days](index.md)", "Daily/a.md"));
        Assert.Null(SnapshotMarkdown.ImportLink("[Root](/)", "a.md"));
        Assert.Equal("[Index](/Daily/index.md)", SnapshotMarkdown.ExportLink("Daily/index.md"));
        Assert.Equal("[The Days](/Daily/index.md)", SnapshotMarkdown.ExportLink("[The Days](/Daily/index.md)"));
    }

    [Theory]
    [InlineData("---\ntitle: A\n---\n\nBody", "title: A", "Body")]
    [InlineData("---\ntitle: A\n---\nBody", "title: A", "Body")]
    [InlineData("---\ntitle: A\n---\n\n\nBody\n", "title: A", "\nBody\n")]
    [InlineData("---\r\ntitle: A\r\n---\r\n\r\nBody\r\n", "title: A\r", "Body\r\n")]
    [InlineData("---\ntitle: A\n---\n\n", "title: A", "")]
    [InlineData("---\ntitle: A\n---", "title: A", "")]
    [InlineData("---\n---\n\nBody", "", "Body")]
    [InlineData("\uFEFF---\ntitle: A\n---\n\nBody", "title: A", "Body")]
    [InlineData("---\ntitle: A\n---\n\nx\n---\ny", "title: A", "x\n---\ny")]
    public void Frontmatter_is_found_and_exactly_one_blank_line_is_dropped(string content, string yaml, string body)
    {
        Assert.Equal((yaml, body), SnapshotMarkdown.Split(content));
    }

    [Theory]
    [InlineData("No frontmatter\n---\n")]
    [InlineData("---\ntitle: never closed\n")]
    [InlineData(" ---\ntitle: A\n---\n")]
    [InlineData("----\ntitle: A\n---\n")]
    public void Without_both_delimiters_the_whole_file_is_the_body(string content)
    {
        Assert.Equal(((string?)null, content), SnapshotMarkdown.Split(content));
    }

    [Fact]
    public void Fields_are_read_as_upstream_reads_them()
    {
        var content = """
            ---
            title: "Note: One"
            part_of: "[Index](/Daily/index.md)"
            contents:
              - "[Child](/Daily/child.md)"
              - ./sub/other.md
              - 42
            audience: [family, "friends"]
            description: A day
            attachments:
              - _attachments/img.png
              - ./local.png
            deleted: false
            updated: "2025-02-10T12:34:56.789Z"
            mood: happy
            tags: [a, 2, true, null]
            meta:
              nested: {"x": [1, 2.50]}
            hex: 0x1F
            _private: hidden
            filename: ignored.md
            ---

            Hi
            """;

        var (metadata, body) = SnapshotMarkdown.Parse("Daily/note-one.md", content, Now);

        Assert.Equal("Hi", body);
        Assert.Equal("note-one.md", metadata.Filename);
        Assert.Equal("Note: One", metadata.Title);
        Assert.Equal("Daily/index.md", metadata.PartOf);
        Assert.Equal(["Daily/child.md", "Daily/sub/other.md"], metadata.Contents);
        Assert.Equal(["family", "friends"], metadata.Audience);
        Assert.Equal("A day", metadata.Description);
        Assert.Equal(["_attachments/img.png", "Daily/local.png"], metadata.Attachments.Select(a => a.Path));
        Assert.All(metadata.Attachments, a => Assert.Equal(BinaryRef.Local(a.Path), a));
        Assert.False(metadata.Deleted);
        Assert.Equal(1739190896789, metadata.ModifiedAt);
        Assert.Equal(
            [
                KeyValuePair.Create("mood", "\"happy\""),
                KeyValuePair.Create("tags", "[\"a\",2,true,null]"),
                KeyValuePair.Create("meta", "{\"nested\":{\"x\":[1,2.50]}}"),
                KeyValuePair.Create("hex", "31"),
            ],
            metadata.Extra);
    }

    [Theory]
    [InlineData("updated: 1700000000123", 1700000000123)]
    [InlineData("updated: 1700000000123.9", 1700000000123)]
    [InlineData("updated: \"1700000000123\"", 1700000000123)]
    [InlineData("updated: 2025-02-10T12:34:56.789Z", 1739190896789)]
    [InlineData("updated: \"2025-02-10T13:34:56.7891+01:00\"", 1739190896789)]
    [InlineData("updated: \"1969-12-31T23:59:59.999Z\"", -1)]
    [InlineData("updated: yesterday", Now)]
    [InlineData("updated: [1]", Now)]
    [InlineData("title: x", Now)]
    public void Updated_accepts_numbers_numeric_strings_and_rfc3339(string line, long expected)
    {
        var (metadata, _) = SnapshotMarkdown.Parse("a.md", $"---\n{line}\n---\n", Now);
        Assert.Equal(expected, metadata.ModifiedAt);
    }

    [Fact]
    public void Non_string_titles_are_dropped_and_deleted_must_be_a_boolean()
    {
        var (metadata, _) = SnapshotMarkdown.Parse("a.md", "---\ntitle: 2024\ndescription: yes\ndeleted: true\n---\n", Now);
        Assert.Null(metadata.Title);
        Assert.Equal("yes", metadata.Description); // YAML 1.2: yes is a string
        Assert.True(metadata.Deleted);
        Assert.Empty(metadata.Extra);
        Assert.False(SnapshotMarkdown.Parse("a.md", "---\ndeleted: \"true\"\n---\n", Now).Metadata.Deleted);
    }

    [Theory]
    [InlineData("title: [unclosed", "")]
    [InlineData("- a\n- b", "not a mapping")]
    [InlineData("a: 1\na: 2", "duplicate key 'a'")]
    [InlineData("a: 1\n--- \nb: 2", "more than one YAML document")]
    [InlineData("? [x]\n: y", "a key is not a plain value")]
    [InlineData("a: *nothing", "")]
    public void Invalid_frontmatter_is_an_error(string yaml, string message)
    {
        var error = Assert.Throws<FrontmatterException>(() => SnapshotMarkdown.Parse("a.md", $"---\n{yaml}\n---\nbody", Now));
        Assert.Contains(message, error.Message);
    }

    [Fact]
    public void Aliases_are_expanded_against_a_node_budget()
    {
        var yaml = new StringBuilder("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for (var i = 1; i < 10; i++)
        {
            yaml.Append($"a{i}: &a{i} [").Append(string.Join(", ", Enumerable.Repeat($"*a{i - 1}", 10))).Append("]\n");
        }
        var error = Assert.Throws<FrontmatterException>(() => FrontmatterYaml.Read(yaml.ToString()));
        Assert.Contains("more than 100000 nodes", error.Message);

        var small = FrontmatterYaml.Read("a: &x [1, 2]\nb: *x\n");
        Assert.Same(small.Get("a"), small.Get("b"));
    }

    [Fact]
    public void Deep_nesting_is_refused()
    {
        var yaml = "a: " + new string('[', 200) + new string(']', 200);
        Assert.Contains("nested deeper", Assert.Throws<FrontmatterException>(() => FrontmatterYaml.Read(yaml)).Message);
    }

    [Fact]
    public void Metadata_json_keeps_diaryx_field_order_and_unknown_fields()
    {
        var json = """{"future":{"a":1},"modified_at":5,"title":"T","filename":"a.md","extra":{"k":[1,"😀"]},"contents":[],"attachments":[{"path":"x.png","size":3}]}""";
        Assert.True(FileMetadata.TryParse(json, out var metadata));
        Assert.Equal(
            """{"filename":"a.md","title":"T","part_of":null,"contents":[],"attachments":[{"path":"x.png","source":"","hash":"","mime_type":"","size":3,"uploaded_at":null,"deleted":false}],"deleted":false,"audience":null,"description":null,"extra":{"k":[1,"😀"]},"modified_at":5,"future":{"a":1}}""",
            metadata.ToJson());
        // Mistyped fields fall back to their defaults instead of failing (a string modified_at used to throw).
        Assert.True(FileMetadata.TryParse("""{"modified_at":"soon","title":null,"attachments":[{"path":"p","size":"big","uploaded_at":"x"},{"nopath":1}],"contents":"x"}""", out var odd));
        Assert.Equal((0L, null, null), (odd.ModifiedAt, odd.Title, odd.Contents));
        Assert.Equal([new BinaryRef("p", "", "", "", 0, null, false)], odd.Attachments);
        Assert.False(FileMetadata.TryParse("[1]", out _));
        Assert.False(FileMetadata.TryParse("{", out _));
    }

    [Theory]
    [InlineData("abc", "abc", 3, 0)]
    [InlineData("hello world", "hello brave world", 6, 5)]
    [InlineData("aaa", "aaaa", 3, 0)]
    [InlineData("x😀y", "x😃y", 1, 1)]
    [InlineData("😀", "😀😀", 2, 0)]
    public void Body_edits_keep_the_common_prefix_and_suffix_on_whole_characters(string before, string after, int prefix, int suffix)
    {
        Assert.Equal((prefix, suffix), BodyText.CommonEnds(before, after));
    }
}
