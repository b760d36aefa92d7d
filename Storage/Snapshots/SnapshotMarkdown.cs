using System.Globalization;
using System.Text;
using System.Text.Json;
using Diaryx.Sync.Lite.Documents;

namespace Diaryx.Sync.Lite.Storage.Snapshots;

/// <summary>
/// One file of a snapshot zip: markdown with YAML frontmatter (reference/http-storage.md §7.1 and
/// §7.2). <see cref="Format"/> writes what Diaryx's exporter writes; <see cref="Parse"/> reads it
/// back (and hand-written files) into FileMetadata and a body, so that export → import → export
/// gives the same bytes.
/// <para>
/// The newline: upstream writes <c>"---\n" + yaml + "\n---\n\n" + body</c> but its parser starts the
/// body right after <c>"\n---\n"</c>, so every round trip prepended <c>"\n"</c> to each body. Here
/// the parser drops exactly one line break (<c>\n</c> or <c>\r\n</c>) after the closing delimiter:
/// the blank line the exporter writes.
/// </para>
/// </summary>
internal static class SnapshotMarkdown
{
    /// <summary>Frontmatter keys this format defines; other keys are <c>extra</c> (and <c>extra</c> keys with these names are not written).</summary>
    private static readonly HashSet<string> ReservedKeys = new(StringComparer.Ordinal)
    {
        "title", "part_of", "contents", "audience", "description", "attachments", "updated", "deleted", "filename",
    };

    // ---- export -----------------------------------------------------------------------------

    /// <summary>
    /// The file text for <paramref name="metadata"/> and <paramref name="body"/>.
    /// <paramref name="resolve"/> maps a stored <c>part_of</c>/<c>contents</c> value (doc id or path) to
    /// a path, or null when it does not resolve (the value is then left out).
    /// </summary>
    public static string Format(FileMetadata metadata, string body, Func<string, string?> resolve)
    {
        var lines = new List<string>();
        if (metadata.Title is { } title) lines.Add("title: " + FrontmatterYaml.String(title));
        if (metadata.PartOf is { } partOf && resolve(partOf) is { } parentPath && ExportLink(parentPath) is { } parentLink)
        {
            lines.Add("part_of: " + FrontmatterYaml.String(parentLink));
        }
        if (metadata.Contents is { } contents)
        {
            var links = contents.Select(resolve).OfType<string>().Select(ExportLink).OfType<string>().ToList();
            if (links.Count == 0)
            {
                lines.Add("contents: []");
            }
            else
            {
                lines.Add("contents:");
                lines.AddRange(links.Select(link => "  - " + FrontmatterYaml.String(link)));
            }
        }
        if (metadata.Audience is { Count: > 0 } audience)
        {
            lines.Add("audience:");
            lines.AddRange(audience.Select(item => "  - " + FrontmatterYaml.String(item)));
        }
        if (metadata.Description is { } description) lines.Add("description: " + FrontmatterYaml.String(description));
        if (metadata.Attachments.Count > 0)
        {
            lines.Add("attachments:");
            lines.AddRange(metadata.Attachments.Select(a => "  - " + FrontmatterYaml.String(ExportAttachmentPath(a.Path))));
        }
        lines.Add("updated: " + FormatUpdated(metadata.ModifiedAt));
        foreach (var (key, rawValue) in metadata.Extra)
        {
            if (key.StartsWith('_') || ReservedKeys.Contains(key)) continue;
            string value;
            try
            {
                using var document = JsonDocument.Parse(rawValue);
                value = FrontmatterYaml.Value(document.RootElement);
            }
            catch (JsonException)
            {
                continue;
            }
            lines.Add(FrontmatterYaml.Key(key) + ": " + value);
        }
        return "---\n" + string.Join('\n', lines) + "\n---\n\n" + body;
    }

    /// <summary>
    /// A stored link target as exported: <c>[Title](/path)</c>, keeping the title of a value that is
    /// already a markdown link and deriving it from the path otherwise. The path is normalised
    /// (<c>a/./b</c> → <c>a/b</c>); one that normalises to nothing is left out.
    /// </summary>
    internal static string? ExportLink(string stored)
    {
        var link = SnapshotLinks.Parse(stored);
        var path = SnapshotLinks.Normalize(link.Path);
        if (path.Length == 0) return null;
        return SnapshotLinks.Format(path, link.Title ?? SnapshotLinks.TitleFromPath(path));
    }

    /// <summary>Attachment paths are written plain (not as links), normalised like link paths.</summary>
    private static string ExportAttachmentPath(string path) =>
        SnapshotLinks.Normalize(path) is { Length: > 0 } normalized ? normalized : path;

    /// <summary>RFC 3339 in UTC with milliseconds and <c>Z</c>, quoted; the bare number when it is outside years 1-9999.</summary>
    internal static string FormatUpdated(long modifiedAt)
    {
        const long Min = -62135596800000; // 0001-01-01T00:00:00.000Z
        const long Max = 253402300799999; // 9999-12-31T23:59:59.999Z
        if (modifiedAt is < Min or > Max) return modifiedAt.ToString(CultureInfo.InvariantCulture);
        var text = DateTimeOffset.FromUnixTimeMilliseconds(modifiedAt).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
        return FrontmatterYaml.String(text);
    }

    // ---- import -----------------------------------------------------------------------------

    /// <summary>Frontmatter text (null if the file has none) and body of a markdown file.</summary>
    internal static (string? Yaml, string Body) Split(string content)
    {
        if (content.StartsWith('\uFEFF')) content = content[1..];
        int open;
        if (content.StartsWith("---\n", StringComparison.Ordinal)) open = 4;
        else if (content.StartsWith("---\r\n", StringComparison.Ordinal)) open = 5;
        else return (null, content);

        // The closing delimiter: the first line "---" after the opening one (searching from the
        // opening line's own '\n', so an empty block "---\n---\n" counts), or "---" ending the file.
        var from = open - 1;
        var lf = content.IndexOf("\n---\n", from, StringComparison.Ordinal);
        var crlf = content.IndexOf("\n---\r\n", from, StringComparison.Ordinal);
        int close, delimiter;
        if (lf >= 0 && (crlf < 0 || lf < crlf))
        {
            close = lf;
            delimiter = 5;
        }
        else if (crlf >= 0)
        {
            close = crlf;
            delimiter = 6;
        }
        else if (content.Length - 4 >= from && content.EndsWith("\n---", StringComparison.Ordinal))
        {
            close = content.Length - 4;
            delimiter = 4;
        }
        else
        {
            return (null, content);
        }
        var yaml = close > open ? content[open..close] : "";
        var body = content[(close + delimiter)..];
        // The blank line the exporter writes after the closing delimiter (exactly one).
        if (body.StartsWith("\r\n", StringComparison.Ordinal)) body = body[2..];
        else if (body.StartsWith('\n')) body = body[1..];
        return (yaml, body);
    }

    /// <summary>
    /// Reads the file at <paramref name="path"/> (a validated workspace-relative path) into metadata
    /// and body. <paramref name="now"/> (unix ms) is <c>modified_at</c> when <c>updated</c> is
    /// missing or unreadable. Throws <see cref="FrontmatterException"/> for invalid frontmatter.
    /// </summary>
    public static (FileMetadata Metadata, string Body) Parse(string path, string content, long now, int maxNodes = FrontmatterYaml.DefaultMaxNodes)
    {
        var (yaml, body) = Split(content);
        var frontmatter = yaml == null ? new YamlMapping([]) : FrontmatterYaml.Read(yaml, maxNodes);
        var metadata = new FileMetadata
        {
            Filename = path[(path.LastIndexOf('/') + 1)..],
            Title = (frontmatter.Get("title") as YamlScalar)?.AsString,
            PartOf = (frontmatter.Get("part_of") as YamlScalar)?.AsString is { } partOf ? ImportLink(partOf, path) : null,
            Contents = frontmatter.Get("contents") is YamlSequence contents
                ? [.. Strings(contents).Select(item => ImportLink(item, path)).OfType<string>()]
                : null,
            Audience = frontmatter.Get("audience") is YamlSequence audience ? [.. Strings(audience)] : null,
            Description = (frontmatter.Get("description") as YamlScalar)?.AsString,
            Attachments = frontmatter.Get("attachments") is YamlSequence attachments
                ? [.. Strings(attachments).Select(item => ImportAttachmentPath(item, path)).OfType<string>().Select(BinaryRef.Local)]
                : [],
            Deleted = frontmatter.Get("deleted") is YamlScalar { Kind: YamlScalarKind.Bool } deleted && deleted.Value is "true" or "True" or "TRUE",
            ModifiedAt = ParseUpdated(frontmatter.Get("updated")) ?? now,
            Extra = [.. frontmatter.Entries
                .Where(e => !ReservedKeys.Contains(e.Key) && !e.Key.StartsWith('_'))
                .Select(e => KeyValuePair.Create(e.Key, ToJson(e.Value)))],
        };
        return (metadata, body);
    }

    private static IEnumerable<string> Strings(YamlSequence sequence) =>
        sequence.Items.OfType<YamlScalar>().Select(s => s.AsString).OfType<string>();

    /// <summary>
    /// A <c>part_of</c>/<c>contents</c> link as stored: the canonical workspace-relative path, or, when the
    /// link has a title other than the one derived from that path, the link <c>[Title](/path)</c> (so the
    /// title survives the next export). Links that resolve to nothing are dropped.
    /// </summary>
    internal static string? ImportLink(string value, string filePath)
    {
        var link = SnapshotLinks.Parse(value);
        var canonical = SnapshotLinks.ToCanonical(link, filePath);
        if (canonical.Length == 0) return null;
        return link.Title == null || link.Title == SnapshotLinks.TitleFromPath(canonical) ? canonical : SnapshotLinks.Format(canonical, link.Title);
    }

    /// <summary>
    /// An attachment path: plain paths are workspace-relative, as the exporter writes them (upstream
    /// resolved them against the file's folder, so attachments moved on every round trip); explicit
    /// <c>./</c>, <c>../</c> and links resolve as links do.
    /// </summary>
    private static string? ImportAttachmentPath(string value, string filePath)
    {
        var link = SnapshotLinks.Parse(value);
        var canonical = SnapshotLinks.ToCanonical(link, filePath, ambiguousFromRoot: link.Title == null);
        return canonical.Length == 0 ? null : canonical;
    }

    /// <summary><c>updated</c>: unix ms as an integer, a float, a numeric string or an RFC 3339 string.</summary>
    internal static long? ParseUpdated(YamlNode? node)
    {
        if (node is not YamlScalar scalar) return null;
        switch (scalar.Kind)
        {
            case YamlScalarKind.Int:
                FrontmatterYaml.TryParseInt(scalar.Value, out var integer);
                return integer >= long.MinValue && integer <= long.MaxValue ? (long)integer : (long)(double)integer;
            case YamlScalarKind.Float:
                FrontmatterYaml.TryParseFloat(scalar.Value, out var number);
                return double.IsNaN(number) ? 0 : number >= long.MaxValue ? long.MaxValue : number <= long.MinValue ? long.MinValue : (long)number;
            case YamlScalarKind.String:
                if (TryParseRustInt64(scalar.Value, out var ms)) return ms;
                return TryParseRfc3339(scalar.Value, out var parsed) ? parsed : null;
            default:
                return null;
        }
    }

    /// <summary>Rust's <c>i64::from_str</c>: an optional sign and ASCII digits.</summary>
    private static bool TryParseRustInt64(string text, out long value) =>
        long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value)
        && text.Length > 0 && !char.IsWhiteSpace(text[0]) && !char.IsWhiteSpace(text[^1]);

    /// <summary>RFC 3339 (<c>2025-02-10T12:34:56.789Z</c>, any fraction, <c>Z</c> or <c>±hh:mm</c>) to unix ms.</summary>
    internal static bool TryParseRfc3339(string text, out long unixMilliseconds)
    {
        unixMilliseconds = 0;
        // yyyy-MM-ddTHH:mm:ss
        if (text.Length < 20 || text[4] != '-' || text[7] != '-' || text[10] is not ('T' or 't' or ' ') || text[13] != ':' || text[16] != ':') return false;
        if (!TryDigits(text, 0, 4, out var year) || !TryDigits(text, 5, 2, out var month) || !TryDigits(text, 8, 2, out var day)
            || !TryDigits(text, 11, 2, out var hour) || !TryDigits(text, 14, 2, out var minute) || !TryDigits(text, 17, 2, out var second))
        {
            return false;
        }
        var i = 19;
        long fractionTicks = 0;
        if (i < text.Length && text[i] == '.')
        {
            i++;
            var start = i;
            var scale = TimeSpan.TicksPerSecond;
            while (i < text.Length && char.IsAsciiDigit(text[i]))
            {
                scale /= 10;
                fractionTicks += (text[i] - '0') * scale;
                i++;
            }
            if (i == start) return false;
        }
        TimeSpan offset;
        if (i < text.Length && text[i] is 'Z' or 'z')
        {
            offset = TimeSpan.Zero;
            i++;
        }
        else if (i + 6 == text.Length && text[i] is '+' or '-' && text[i + 3] == ':'
                 && TryDigits(text, i + 1, 2, out var offsetHours) && TryDigits(text, i + 4, 2, out var offsetMinutes)
                 && offsetHours < 24 && offsetMinutes < 60)
        {
            offset = new TimeSpan(offsetHours, offsetMinutes, 0) * (text[i] == '-' ? -1 : 1);
            i += 6;
        }
        else
        {
            return false;
        }
        if (i != text.Length) return false;
        try
        {
            var time = new DateTimeOffset(year, month, day, hour, minute, second, offset).AddTicks(fractionTicks);
            unixMilliseconds = time.ToUnixTimeMilliseconds();
            return true;
        }
        catch (ArgumentOutOfRangeException)
        {
            return false;
        }
    }

    private static bool TryDigits(string text, int start, int count, out int value)
    {
        value = 0;
        for (var i = start; i < start + count; i++)
        {
            if (!char.IsAsciiDigit(text[i])) return false;
            value = (value * 10) + (text[i] - '0');
        }
        return true;
    }

    /// <summary>A YAML value as compact JSON for <c>extra</c>: numbers keep their text when it is JSON, and YAML-only forms (<c>0x1F</c>) become decimal; <c>.inf</c>/<c>.nan</c> become null, as in serde_json.</summary>
    internal static string ToJson(YamlNode node)
    {
        var json = new StringBuilder();
        AppendJson(json, node);
        return json.ToString();
    }

    private static void AppendJson(StringBuilder json, YamlNode node)
    {
        switch (node)
        {
            case YamlScalar scalar:
                switch (scalar.Kind)
                {
                    case YamlScalarKind.Null:
                        json.Append("null");
                        break;
                    case YamlScalarKind.Bool:
                        json.Append(scalar.Value is "true" or "True" or "TRUE" ? "true" : "false");
                        break;
                    case YamlScalarKind.Int:
                        if (IsJsonNumber(scalar.Value))
                        {
                            json.Append(scalar.Value);
                        }
                        else
                        {
                            FrontmatterYaml.TryParseInt(scalar.Value, out var integer);
                            json.Append(integer.ToString(CultureInfo.InvariantCulture));
                        }
                        break;
                    case YamlScalarKind.Float:
                        FrontmatterYaml.TryParseFloat(scalar.Value, out var number);
                        if (!double.IsFinite(number)) json.Append("null");
                        else if (IsJsonNumber(scalar.Value)) json.Append(scalar.Value);
                        else json.Append(number.ToString("R", CultureInfo.InvariantCulture));
                        break;
                    default:
                        CompactJson.AppendString(json, scalar.Value);
                        break;
                }
                break;
            case YamlSequence sequence:
                json.Append('[');
                for (var i = 0; i < sequence.Items.Count; i++)
                {
                    if (i > 0) json.Append(',');
                    AppendJson(json, sequence.Items[i]);
                }
                json.Append(']');
                break;
            case YamlMapping mapping:
                json.Append('{');
                for (var i = 0; i < mapping.Entries.Count; i++)
                {
                    if (i > 0) json.Append(',');
                    CompactJson.AppendString(json, mapping.Entries[i].Key).Append(':');
                    AppendJson(json, mapping.Entries[i].Value);
                }
                json.Append('}');
                break;
        }
    }

    /// <summary>JSON's number grammar: <c>-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?</c>.</summary>
    private static bool IsJsonNumber(string text)
    {
        var i = 0;
        if (i < text.Length && text[i] == '-') i++;
        if (i >= text.Length) return false;
        if (text[i] == '0') i++;
        else if (text[i] is >= '1' and <= '9') while (i < text.Length && char.IsAsciiDigit(text[i])) i++;
        else return false;
        if (i < text.Length && text[i] == '.')
        {
            i++;
            var start = i;
            while (i < text.Length && char.IsAsciiDigit(text[i])) i++;
            if (i == start) return false;
        }
        if (i < text.Length && text[i] is 'e' or 'E')
        {
            i++;
            if (i < text.Length && text[i] is '+' or '-') i++;
            var start = i;
            while (i < text.Length && char.IsAsciiDigit(text[i])) i++;
            if (i == start) return false;
        }
        return i == text.Length;
    }
}
