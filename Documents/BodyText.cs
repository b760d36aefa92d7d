using Diaryx.Sync.Lite.Yjs;
using Diaryx.Sync.Lite.Yjs.Types;

namespace Diaryx.Sync.Lite.Documents;

/// <summary>The markdown body of a body document (<c>body:&lt;wsid&gt;/&lt;path&gt;</c>): root Y.Text <c>body</c>.</summary>
public static class BodyText
{
    public const string TextName = "body";

    public static string Get(YDoc body) => body.GetText(TextName).ToString();

    /// <summary>
    /// Makes the body <paramref name="text"/> by replacing only what changed: the common prefix and
    /// suffix (in UTF-16 code units, never splitting a surrogate pair) are kept, and the middle is one
    /// delete plus one insert, so unchanged text keeps its CRDT identity (Diaryx's <c>set_body</c>).
    /// Nothing happens if the text is already equal.
    /// </summary>
    public static void Set(YDoc body, string text)
    {
        var yText = body.GetText(TextName);
        var current = yText.ToString();
        if (current == text) return;
        var (prefix, suffix) = CommonEnds(current, text);
        body.Transact(_ =>
        {
            yText.Delete(prefix, current.Length - prefix - suffix);
            yText.Insert(prefix, text.Substring(prefix, text.Length - prefix - suffix));
        });
    }

    /// <summary>Lengths of the common prefix and (non-overlapping) common suffix, on surrogate-pair boundaries.</summary>
    internal static (int Prefix, int Suffix) CommonEnds(string a, string b)
    {
        var max = Math.Min(a.Length, b.Length);
        var prefix = 0;
        while (prefix < max && a[prefix] == b[prefix]) prefix++;
        // Do not end between a high and a low surrogate: that would split a character into two items.
        if (prefix > 0 && char.IsHighSurrogate(a[prefix - 1])) prefix--;
        var suffix = 0;
        while (suffix < max - prefix && a[a.Length - 1 - suffix] == b[b.Length - 1 - suffix]) suffix++;
        if (suffix > 0 && char.IsLowSurrogate(a[a.Length - suffix])) suffix--;
        return (prefix, suffix);
    }
}
