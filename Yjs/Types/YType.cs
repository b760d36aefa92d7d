using System.Globalization;
using System.Text;
using Diaryx.Sync.Lite.Yjs.Lib0;
using Diaryx.Sync.Lite.Yjs.Structs;
using Diaryx.Sync.Lite.Yjs.Utils;

namespace Diaryx.Sync.Lite.Yjs.Types;

/// <summary>
/// A shared type: a sequence of items (<see cref="Start"/>) and/or a map of keys to their newest
/// item (<see cref="Map"/>). One class serves every kind, so a root whose kind is not yet known
/// simply gets its <see cref="Kind"/> when first asked for as a map, text, array or XML type.
/// Typed views (<see cref="YMap"/>, <see cref="YText"/>, ...) wrap it.
/// </summary>
public sealed class YType(TypeKind kind, string? nodeName = null)
{
    public TypeKind Kind { get; internal set; } = kind;

    /// <summary>The element name of an XmlElement or XmlHook.</summary>
    public string? NodeName { get; } = nodeName;

    public YDoc? Doc { get; internal set; }

    /// <summary>The item holding this type, or null for a root type.</summary>
    public Item? Item { get; internal set; }

    /// <summary>The name under which a root type is shared.</summary>
    public string? RootName { get; internal set; }

    public Item? Start;
    public readonly Dictionary<string, Item> Map = new(StringComparer.Ordinal);

    /// <summary>Countable, undeleted units in the sequence.</summary>
    public int Length;

    public bool HasFormatting;
    public SearchMarker? SearchMarker;

    /// <summary>Creates and integrates a local item between <paramref name="left"/> and <paramref name="right"/>.</summary>
    internal Item InsertItem(Transaction transaction, Item? left, Item? right, string? parentSub, IContent content)
    {
        var doc = transaction.Doc;
        var item = new Item(doc.ClientId, doc.Store.GetState(doc.ClientId), left?.LastId, right?.Id, this, parentSub, content)
        {
            Left = left,
            Right = right,
        };
        item.Integrate(transaction, 0);
        return item;
    }

    internal YDoc RequireDoc() => Doc ?? throw new InvalidOperationException("The type is not part of a document yet");

    /// <summary>
    /// The item at which list index <paramref name="index"/> starts to be counted from: the search
    /// marker when there is one (walking left from it as needed), else the first item.
    /// Returns the item and the number of live units before it.
    /// </summary>
    internal (Item? Item, int Index) StartNear(int index, bool strictlyBefore)
    {
        if (SearchMarker is not { } marker || index == 0) return (Start, 0);
        var p = marker.Item;
        var pIndex = marker.Index;
        while (strictlyBefore ? pIndex >= index : pIndex > index)
        {
            p = p.Left;
            if (p == null) return (Start, 0);
            if (!p.IsDeleted && p.Countable) pIndex -= p.Content.Length;
        }
        return (p, pIndex);
    }

    /// <summary>Live items of the sequence, in order.</summary>
    public IEnumerable<Item> LiveItems()
    {
        for (var item = Start; item != null; item = item.Right)
        {
            if (!item.IsDeleted && item.Countable) yield return item;
        }
    }

    /// <summary>Each key with a live value, and that value's item.</summary>
    public IEnumerable<KeyValuePair<string, Item>> LiveEntries() => Map.Where(e => !e.Value.IsDeleted);

    /// <summary>JSON as yjs <c>toJSON()</c> gives it (text and XML types as strings).</summary>
    public AnyValue ToJson() => Kind switch
    {
        TypeKind.Map or TypeKind.XmlHook => AnyObject.FromEntries(LiveEntries().Select(e => new KeyValuePair<string, AnyValue>(e.Key, e.Value.Content.JsonValues().Last()))),
        TypeKind.Array => new AnyArray([.. LiveItems().SelectMany(i => i.Content.JsonValues())]),
        TypeKind.Text => new AnyString(TextString()),
        TypeKind.XmlFragment or TypeKind.XmlElement or TypeKind.XmlText => new AnyString(XmlString()),
        _ => AnyValue.Undefined,
    };

    /// <summary>The characters of the text, without embeds and formatting.</summary>
    internal string TextString()
    {
        var builder = new StringBuilder();
        foreach (var item in LiveItems())
        {
            if (item.Content is ContentString s) builder.Append(s.Chars);
        }
        return builder.ToString();
    }

    /// <summary>yjs's <c>toString()</c> of the XML types (and <c>[object Object]</c> for a hook, as in JS).</summary>
    internal string XmlString()
    {
        switch (Kind)
        {
            case TypeKind.XmlFragment:
                return string.Concat(LiveItems().SelectMany(ChildStrings));
            case TypeKind.XmlElement:
                {
                    var attributes = LiveEntries()
                        .Select(e => (e.Key, Value: JsString(e.Value.Content.JsonValues().Last())))
                        .OrderBy(a => a.Key, StringComparer.Ordinal)
                        .Select(a => $"{a.Key}=\"{a.Value}\"");
                    var attributeText = string.Join(' ', attributes);
                    var children = string.Concat(LiveItems().SelectMany(ChildStrings));
                    return $"<{NodeName}{(attributeText.Length > 0 ? " " + attributeText : "")}>{children}</{NodeName}>";
                }
            case TypeKind.XmlText:
                return XmlTextString();
            case TypeKind.XmlHook:
                return "[object Object]";
            default:
                return ToJson() is AnyString s ? s.Value : JsString(ToJson());
        }
    }

    private static IEnumerable<string> ChildStrings(Item item) => item.Content switch
    {
        ContentType t => [t.Type.XmlString()],
        ContentString s => s.Text.Select(c => c.ToString()),
        _ => item.Content.JsonValues().Select(JsString),
    };

    /// <summary>Text with its formatting written as nested tags, attributes sorted, as yjs's YXmlText.toString.</summary>
    private string XmlTextString()
    {
        var output = new StringBuilder();
        var attributes = new Dictionary<string, AnyValue>(StringComparer.Ordinal);
        var run = new StringBuilder();

        void Emit(string insert, Dictionary<string, AnyValue> attrs)
        {
            var nested = attrs.OrderBy(a => a.Key, StringComparer.Ordinal).ToList();
            foreach (var (nodeName, value) in nested)
            {
                output.Append('<').Append(nodeName);
                if (value is AnyObject obj)
                {
                    foreach (var (key, attr) in obj.Entries.OrderBy(e => e.Key, StringComparer.Ordinal)) output.Append(' ').Append(key).Append("=\"").Append(JsString(attr)).Append('"');
                }
                output.Append('>');
            }
            output.Append(insert);
            for (var i = nested.Count - 1; i >= 0; i--) output.Append("</").Append(nested[i].Key).Append('>');
        }

        void Flush()
        {
            if (run.Length == 0) return;
            Emit(run.ToString(), attributes);
            run.Clear();
        }

        for (var item = Start; item != null; item = item.Right)
        {
            if (item.IsDeleted) continue;
            switch (item.Content)
            {
                case ContentString s:
                    run.Append(s.Chars);
                    break;
                case ContentType t:
                    Flush();
                    Emit(t.Type.XmlString(), attributes);
                    break;
                case ContentEmbed e:
                    Flush();
                    Emit(JsString(e.Embed), attributes);
                    break;
                case ContentFormat f:
                    Flush();
                    if (f.Value is AnyNull) attributes.Remove(f.Key);
                    else attributes[f.Key] = f.Value;
                    break;
            }
        }
        Flush();
        return output.ToString();
    }

    /// <summary>JavaScript's <c>String(value)</c>.</summary>
    internal static string JsString(AnyValue value) => value switch
    {
        AnyUndefined => "undefined",
        AnyNull => "null",
        AnyBool b => b.Value ? "true" : "false",
        AnyNumber n => JsNumber.ToString(n.Value),
        AnyBigInt i => i.Value.ToString(CultureInfo.InvariantCulture),
        AnyString s => s.Value,
        AnyBytes bytes => string.Join(',', bytes.Value),
        AnyArray array => string.Join(',', array.Items.Select(v => v is AnyUndefined or AnyNull ? "" : JsString(v))),
        _ => "[object Object]",
    };
}
