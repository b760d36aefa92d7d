namespace Diaryx.Sync.Lite.Storage.Snapshots;

/// <summary>How a link's path is anchored (Diaryx <c>link_parser</c>).</summary>
internal enum LinkPathType
{
    /// <summary><c>/path</c>: from the workspace root.</summary>
    WorkspaceRoot,
    /// <summary><c>./path</c>, <c>../path</c>, <c>.</c>, <c>..</c>: from the linking file's folder.</summary>
    Relative,
    /// <summary>Anything else (<c>folder/file.md</c>): legacy, read as relative to the linking file.</summary>
    Ambiguous,
}

/// <summary>A parsed frontmatter link: an optional title and a path (a root path without its leading <c>/</c>).</summary>
internal readonly record struct ParsedLink(string? Title, string Path, LinkPathType Type);

/// <summary>
/// Frontmatter links of <c>part_of</c>, <c>contents</c> and <c>attachments</c> (reference/http-storage.md
/// §7.1 and §7.2): <c>[Title](/path.md)</c>, <c>[Title](&lt;/path with spaces.md&gt;)</c> or a plain path.
/// </summary>
internal static class SnapshotLinks
{
    /// <summary>Parses a link value: a markdown link <c>[T](path)</c> / <c>[T](&lt;path&gt;)</c>, or a plain path.</summary>
    public static ParsedLink Parse(string value)
    {
        value = value.Trim();
        if (TryParseMarkdownLink(value) is { } link) return link;
        var type = TypeOf(value);
        return new ParsedLink(null, type == LinkPathType.WorkspaceRoot ? value[1..] : value, type);
    }

    private static ParsedLink? TryParseMarkdownLink(string value)
    {
        if (!value.StartsWith('[')) return null;
        // The title ends at the first "](" (upstream: at the first ']', which breaks titles containing ']').
        var closeBracket = value.IndexOf("](", StringComparison.Ordinal);
        if (closeBracket < 0) return null;
        var title = value[1..closeBracket];
        var rest = value[(closeBracket + 2)..];
        string rawPath;
        if (rest.StartsWith('<'))
        {
            var closeAngle = rest.IndexOf('>');
            if (closeAngle < 0 || closeAngle + 1 >= rest.Length || rest[closeAngle + 1] != ')') return null;
            rawPath = rest[1..closeAngle];
        }
        else
        {
            var closeParen = FindClosingParen(rest);
            if (closeParen < 0) return null;
            rawPath = rest[..closeParen];
        }
        var type = TypeOf(rawPath);
        return new ParsedLink(title, type == LinkPathType.WorkspaceRoot ? rawPath[1..] : rawPath, type);
    }

    /// <summary>The <c>)</c> closing a link target, skipping balanced parentheses inside it; -1 if none.</summary>
    private static int FindClosingParen(string text)
    {
        var depth = 0;
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == '(') depth++;
            else if (text[i] == ')')
            {
                if (depth == 0) return i;
                depth--;
            }
        }
        return -1;
    }

    private static LinkPathType TypeOf(string path) =>
        path.StartsWith('/') ? LinkPathType.WorkspaceRoot
        : path.StartsWith("../", StringComparison.Ordinal) || path.StartsWith("./", StringComparison.Ordinal) || path is ".." or "." ? LinkPathType.Relative
        : LinkPathType.Ambiguous;

    /// <summary>
    /// The workspace-relative path a link in the file at <paramref name="filePath"/> points to: root
    /// paths as they are, relative and ambiguous ones against the file's folder (with
    /// <paramref name="ambiguousFromRoot"/>, ambiguous ones from the root). <c>.</c> and empty segments
    /// are dropped and <c>..</c> resolved; a <c>..</c> above the root is kept (<c>../x.md</c>), so the
    /// result is an opaque string, never a file name.
    /// </summary>
    public static string ToCanonical(ParsedLink link, string filePath, bool ambiguousFromRoot = false)
    {
        if (link.Type == LinkPathType.WorkspaceRoot || (link.Type == LinkPathType.Ambiguous && ambiguousFromRoot)) return Normalize(link.Path);
        var slash = filePath.LastIndexOf('/');
        return Normalize(slash < 0 ? link.Path : filePath[..(slash + 1)] + link.Path);
    }

    /// <summary>Resolves <c>.</c>, <c>..</c> and empty segments of a <c>/</c>-separated path (leading <c>..</c> kept).</summary>
    public static string Normalize(string path)
    {
        var segments = new List<string>();
        foreach (var segment in path.Split('/'))
        {
            if (segment is "" or ".") continue;
            if (segment == ".." && segments.Count > 0 && segments[^1] != "..") segments.RemoveAt(segments.Count - 1);
            else segments.Add(segment);
        }
        return string.Join('/', segments);
    }

    /// <summary><c>[Title](/path)</c>, or <c>[Title](&lt;/path&gt;)</c> when the path has a space or a parenthesis.</summary>
    public static string Format(string canonicalPath, string title)
    {
        var url = "/" + canonicalPath;
        if (url.Contains(' ') || url.Contains('(') || url.Contains(')')) url = "<" + url + ">";
        return $"[{title}]({url})";
    }

    /// <summary>
    /// The title a link gets when it has none, derived from the target path (not the target's real
    /// title): the file stem, <c>_</c> and <c>-</c> as spaces, words split on whitespace, each word's
    /// first character ASCII-uppercased, joined with single spaces (<c>daily/my_note-2.md</c> → <c>My Note 2</c>).
    /// </summary>
    public static string TitleFromPath(string path)
    {
        var stem = FileStem(path) ?? path;
        var words = stem.Replace('_', ' ').Replace('-', ' ')
            .Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)
            .Select(word => char.IsAsciiLetterLower(word[0]) ? char.ToUpperInvariant(word[0]) + word[1..] : word);
        return string.Join(' ', words);
    }

    /// <summary>Rust's <c>Path::file_stem</c>: the last component without its final extension (<c>.hidden</c> stays whole); null for <c>..</c> or nothing.</summary>
    private static string? FileStem(string path)
    {
        var name = path.TrimEnd('/');
        var slash = name.LastIndexOf('/');
        if (slash >= 0) name = name[(slash + 1)..];
        if (name is "" or "..") return null;
        if (name == ".") return null;
        var dot = name.LastIndexOf('.');
        return dot <= 0 ? name : name[..dot];
    }
}
