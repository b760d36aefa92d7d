using System.Globalization;
using System.Text;
using System.Text.Json;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace Diaryx.Sync.Lite.Storage.Snapshots;

/// <summary>What a scalar means (YAML 1.2 core schema as serde_yaml 0.9 resolves plain scalars).</summary>
internal enum YamlScalarKind
{
    Null,
    Bool,
    Int,
    Float,
    String,
}

/// <summary>A node of a parsed frontmatter document. <see cref="Weight"/> counts the nodes it stands for.</summary>
internal abstract class YamlNode
{
    public int Weight { get; init; } = 1;
}

/// <summary>A scalar; <see cref="Plain"/> when its meaning comes from its text (no quotes, no <c>!!str</c>).</summary>
internal sealed class YamlScalar(string value, bool plain) : YamlNode
{
    public string Value { get; } = value;
    public bool Plain { get; } = plain;

    public YamlScalarKind Kind => Plain ? FrontmatterYaml.Resolve(Value) : YamlScalarKind.String;

    /// <summary>The text when the scalar is a string, else null.</summary>
    public string? AsString => Kind == YamlScalarKind.String ? Value : null;
}

internal sealed class YamlSequence(List<YamlNode> items) : YamlNode
{
    public IReadOnlyList<YamlNode> Items { get; } = items;
}

internal sealed class YamlMapping(List<KeyValuePair<string, YamlNode>> entries) : YamlNode
{
    public IReadOnlyList<KeyValuePair<string, YamlNode>> Entries { get; } = entries;

    public YamlNode? Get(string key)
    {
        foreach (var (k, v) in Entries)
        {
            if (k == key) return v;
        }
        return null;
    }
}

/// <summary>A frontmatter block that is not usable YAML (or not a mapping); the message says where.</summary>
internal sealed class FrontmatterException(string message) : Exception(message);

/// <summary>
/// The YAML of snapshot frontmatter, both ways.
/// <para>
/// Writing reproduces Diaryx's hand-rolled emitter (<c>yaml_string</c>, reference/http-storage.md §7.1
/// rule 6) byte for byte wherever its output reads back as the same value. Where upstream's output
/// would not (it would fail to parse, or read back as another value), the string is double-quoted
/// and escaped instead: control characters (a newline included: upstream wrote it raw inside the
/// quotes, where YAML folds it into a space), YAML line breaks such as U+0085/U+2028, leading or
/// trailing whitespace other than a space, a leading <c>-</c>/<c>,</c> indicator, texts that YAML
/// reads as null, a number or a boolean (<c>~</c>, <c>0x1F</c>, <c>.inf</c>), and a <c>,</c> inside a
/// flow sequence.
/// </para>
/// <para>
/// Reading uses YamlDotNet's event parser only (no reflection: Native-AOT safe) and builds a small
/// tree. Plain scalars are resolved as serde_yaml 0.9 does (YAML 1.2 core schema: <c>yes</c>/<c>no</c>
/// are strings, <c>0123</c> is a string). Aliases are expanded against a node budget (no
/// "billion laughs"), nesting depth is capped, keys must be scalars and unique.
/// </para>
/// </summary>
internal static class FrontmatterYaml
{
    public const int DefaultMaxNodes = 100_000;
    public const int MaxDepth = 64;

    private const string UpstreamQuoteTriggers = ":#[]{}|>&*!?'\"%@`";

    // ---- writing ----------------------------------------------------------------------------

    /// <summary>A string value (upstream <c>yaml_string</c>): plain when that is safe, else double-quoted.</summary>
    public static string String(string value, bool flow = false) => NeedsQuotes(value, flow) ? Quote(value) : value;

    /// <summary>A mapping key: as a string value, and also quoted when it would read as a document marker.</summary>
    public static string Key(string key) =>
        NeedsQuotes(key, flow: false) || key.StartsWith("---", StringComparison.Ordinal) || key.StartsWith("...", StringComparison.Ordinal)
            ? Quote(key)
            : key;

    /// <summary>
    /// An <c>extra</c> value (upstream <c>yaml_value</c>): null, booleans and numbers as written,
    /// strings as <see cref="String"/>, arrays in flow style <c>[a, b]</c>, objects as compact JSON.
    /// </summary>
    public static string Value(JsonElement value, bool flow = false)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.String:
                return String(value.GetString()!, flow);
            case JsonValueKind.Array:
                return "[" + string.Join(", ", value.EnumerateArray().Select(item => Value(item, flow: true))) + "]";
            case JsonValueKind.Object:
                return AppendJson(new StringBuilder(), value).ToString();
            default:
                return value.GetRawText();
        }
    }

    private static bool NeedsQuotes(string value, bool flow)
    {
        if (value.Length == 0) return true;
        // Upstream's rules.
        if (value.AsSpan().IndexOfAny(UpstreamQuoteTriggers) >= 0 || value.Contains('\n')) return true;
        if (value[0] == ' ' || value[^1] == ' ') return true;
        if (LooksLikeRustFloat(value) || IsYamlKeyword(value)) return true;
        // Ours: strings upstream wrote in a form that does not read back as the same string.
        if (value.Any(IsUnsafe)) return true;
        if (char.IsWhiteSpace(value[0]) || char.IsWhiteSpace(value[^1])) return true;
        if (value[0] == ',' || (value[0] == '-' && (value.Length == 1 || value[1] is ' ' or '\t'))) return true;
        if (flow && value.Contains(',')) return true;
        return Resolve(value) != YamlScalarKind.String;
    }

    /// <summary>Characters YAML cannot hold literally, or reads as a line break: escaped inside double quotes.</summary>
    private static bool IsUnsafe(char c) =>
        (c < 0x20 && c != '\t') || (c >= 0x7F && c <= 0x9F) || c is '\u2028' or '\u2029' or '\uFEFF' or '\uFFFE' or '\uFFFF';

    /// <summary>Double-quoted, escaping <c>\</c> and <c>"</c> (upstream) and the unsafe characters (ours).</summary>
    private static string Quote(string value)
    {
        var quoted = new StringBuilder(value.Length + 2).Append('"');
        foreach (var c in value)
        {
            switch (c)
            {
                case '\\': quoted.Append("\\\\"); break;
                case '"': quoted.Append("\\\""); break;
                case '\n': quoted.Append("\\n"); break;
                case '\r': quoted.Append("\\r"); break;
                default:
                    if (IsUnsafe(c)) quoted.Append("\\u").Append(((int)c).ToString("X4", CultureInfo.InvariantCulture));
                    else quoted.Append(c);
                    break;
            }
        }
        return quoted.Append('"').ToString();
    }

    /// <summary>Compact JSON (serde_json's form) whose strings are also safe inside YAML.</summary>
    private static StringBuilder AppendJson(StringBuilder json, JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                json.Append('{');
                var first = true;
                foreach (var property in element.EnumerateObject())
                {
                    if (!first) json.Append(',');
                    first = false;
                    AppendJsonString(json, property.Name).Append(':');
                    AppendJson(json, property.Value);
                }
                return json.Append('}');
            case JsonValueKind.Array:
                json.Append('[');
                var firstItem = true;
                foreach (var item in element.EnumerateArray())
                {
                    if (!firstItem) json.Append(',');
                    firstItem = false;
                    AppendJson(json, item);
                }
                return json.Append(']');
            case JsonValueKind.String:
                return AppendJsonString(json, element.GetString()!);
            default:
                return json.Append(element.GetRawText());
        }
    }

    private static StringBuilder AppendJsonString(StringBuilder json, string value)
    {
        json.Append('"');
        foreach (var c in value)
        {
            switch (c)
            {
                case '"': json.Append("\\\""); break;
                case '\\': json.Append("\\\\"); break;
                case '\n': json.Append("\\n"); break;
                case '\r': json.Append("\\r"); break;
                case '\t': json.Append("\\t"); break;
                case '\b': json.Append("\\b"); break;
                case '\f': json.Append("\\f"); break;
                default:
                    if (IsUnsafe(c)) json.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    else json.Append(c);
                    break;
            }
        }
        return json.Append('"');
    }

    /// <summary>Whether Rust's <c>str::parse::&lt;f64&gt;</c> accepts the text (upstream's "looks like a number").</summary>
    internal static bool LooksLikeRustFloat(string text)
    {
        var i = 0;
        if (i < text.Length && text[i] is '+' or '-') i++;
        var unsigned = text.AsSpan(i);
        if (unsigned.Equals("inf", StringComparison.OrdinalIgnoreCase)
            || unsigned.Equals("infinity", StringComparison.OrdinalIgnoreCase)
            || unsigned.Equals("nan", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }
        var digits = 0;
        while (i < text.Length && char.IsAsciiDigit(text[i])) { i++; digits++; }
        if (i < text.Length && text[i] == '.')
        {
            i++;
            while (i < text.Length && char.IsAsciiDigit(text[i])) { i++; digits++; }
        }
        if (digits == 0) return false;
        if (i < text.Length && text[i] is 'e' or 'E')
        {
            i++;
            if (i < text.Length && text[i] is '+' or '-') i++;
            var exponentDigits = 0;
            while (i < text.Length && char.IsAsciiDigit(text[i])) { i++; exponentDigits++; }
            if (exponentDigits == 0) return false;
        }
        return i == text.Length;
    }

    private static bool IsYamlKeyword(string text) =>
        text.ToLowerInvariant() is "true" or "false" or "null" or "yes" or "no" or "on" or "off";

    // ---- reading ----------------------------------------------------------------------------

    /// <summary>How a plain scalar reads (serde_yaml 0.9).</summary>
    internal static YamlScalarKind Resolve(string text)
    {
        if (text is "" or "~" or "null" or "Null" or "NULL") return YamlScalarKind.Null;
        if (text is "true" or "True" or "TRUE" or "false" or "False" or "FALSE") return YamlScalarKind.Bool;
        if (TryParseInt(text, out _)) return YamlScalarKind.Int;
        if (!DigitsButNotNumber(text) && TryParseFloat(text, out _)) return YamlScalarKind.Float;
        return YamlScalarKind.String;
    }

    /// <summary>A leading zero followed by digits (<c>0123</c>, <c>-00</c>) is a string in YAML 1.2.</summary>
    private static bool DigitsButNotNumber(string text)
    {
        var unsigned = text.Length > 0 && text[0] is '+' or '-' ? text[1..] : text;
        return unsigned.Length > 1 && unsigned[0] == '0' && unsigned.Skip(1).All(char.IsAsciiDigit);
    }

    /// <summary>Decimal, <c>0x</c>, <c>0o</c> and <c>0b</c> integers with an optional sign, as serde_yaml reads them.</summary>
    internal static bool TryParseInt(string text, out Int128 value)
    {
        value = 0;
        var negative = false;
        var rest = text;
        if (rest.StartsWith('+'))
        {
            rest = rest[1..];
        }
        else if (rest.StartsWith('-'))
        {
            negative = true;
            rest = rest[1..];
        }
        if (rest.Length == 0 || rest[0] is '+' or '-') return false;
        var radix = 10;
        if (rest.Length > 2 && rest[0] == '0' && rest[1] is 'x' or 'o' or 'b')
        {
            radix = rest[1] switch { 'x' => 16, 'o' => 8, _ => 2 };
            rest = rest[2..];
        }
        else if (DigitsButNotNumber(text))
        {
            return false;
        }
        Int128 magnitude = 0;
        foreach (var c in rest)
        {
            var digit = c switch
            {
                >= '0' and <= '9' => c - '0',
                >= 'a' and <= 'f' => c - 'a' + 10,
                >= 'A' and <= 'F' => c - 'A' + 10,
                _ => 99,
            };
            if (digit >= radix) return false;
            try
            {
                magnitude = checked((magnitude * radix) + digit);
            }
            catch (OverflowException)
            {
                return false;
            }
        }
        value = negative ? -magnitude : magnitude;
        return true;
    }

    /// <summary>Floats as serde_yaml reads them: <c>.inf</c>/<c>.nan</c> spellings, or a finite Rust f64.</summary>
    internal static bool TryParseFloat(string text, out double value)
    {
        value = 0;
        var unpositive = text;
        if (text.StartsWith('+'))
        {
            unpositive = text[1..];
            if (unpositive.StartsWith('+') || unpositive.StartsWith('-')) return false;
        }
        if (unpositive is ".inf" or ".Inf" or ".INF")
        {
            value = double.PositiveInfinity;
            return true;
        }
        if (text is "-.inf" or "-.Inf" or "-.INF")
        {
            value = double.NegativeInfinity;
            return true;
        }
        if (text is ".nan" or ".NaN" or ".NAN")
        {
            value = double.NaN;
            return true;
        }
        if (!LooksLikeRustFloat(unpositive)) return false;
        if (!double.TryParse(unpositive, NumberStyles.Float, CultureInfo.InvariantCulture, out value) || !double.IsFinite(value)) return false;
        return true;
    }

    /// <summary>
    /// Parses a frontmatter block into a mapping (empty for an empty or all-comment block). Throws
    /// <see cref="FrontmatterException"/> for invalid YAML, more than one document, a root that is not
    /// a mapping, a non-scalar or duplicate key, too deep nesting or too many nodes.
    /// </summary>
    public static YamlMapping Read(string yaml, int maxNodes = DefaultMaxNodes)
    {
        var reader = new TreeReader(new Parser(new StringReader(yaml)), maxNodes);
        try
        {
            return reader.ReadStream();
        }
        catch (YamlException exception)
        {
            throw new FrontmatterException($"{exception.Message.TrimEnd('.')} (line {exception.Start.Line}, column {exception.Start.Column})");
        }
    }

    private sealed class TreeReader(IParser parser, int maxNodes)
    {
        private readonly Dictionary<string, YamlNode> _anchors = new(StringComparer.Ordinal);
        private long _nodes;

        public YamlMapping ReadStream()
        {
            Expect<StreamStart>();
            if (parser.TryConsume<StreamEnd>(out _)) return new YamlMapping([]);
            Expect<DocumentStart>();
            var root = ReadNode(0);
            Expect<DocumentEnd>();
            if (!parser.TryConsume<StreamEnd>(out _)) throw new FrontmatterException("more than one YAML document");
            return root switch
            {
                YamlMapping mapping => mapping,
                YamlScalar { Kind: YamlScalarKind.Null } => new YamlMapping([]),
                _ => throw new FrontmatterException("the frontmatter is not a mapping of keys to values"),
            };
        }

        private void Expect<T>()
            where T : ParsingEvent
        {
            if (!parser.TryConsume<T>(out _)) throw new FrontmatterException($"unexpected YAML structure at line {parser.Current?.Start.Line}");
        }

        private void Count(long weight)
        {
            _nodes += weight;
            if (_nodes > maxNodes) throw new FrontmatterException($"the frontmatter has more than {maxNodes} nodes (aliases included)");
        }

        private YamlNode ReadNode(int depth)
        {
            if (depth > MaxDepth) throw new FrontmatterException($"the frontmatter is nested deeper than {MaxDepth} levels");
            if (parser.TryConsume<AnchorAlias>(out var alias))
            {
                if (!_anchors.TryGetValue(alias.Value.Value, out var target)) throw new FrontmatterException($"unknown alias *{alias.Value.Value}");
                Count(target.Weight);
                return target;
            }
            YamlNode node;
            AnchorName anchor;
            if (parser.TryConsume<Scalar>(out var scalar))
            {
                Count(1);
                anchor = scalar.Anchor;
                node = new YamlScalar(scalar.Value, IsPlain(scalar));
            }
            else if (parser.TryConsume<SequenceStart>(out var sequenceStart))
            {
                Count(1);
                anchor = sequenceStart.Anchor;
                var items = new List<YamlNode>();
                var weight = 1;
                while (!parser.TryConsume<SequenceEnd>(out _))
                {
                    var item = ReadNode(depth + 1);
                    items.Add(item);
                    weight = SaturatingAdd(weight, item.Weight);
                }
                node = new YamlSequence(items) { Weight = weight };
            }
            else if (parser.TryConsume<MappingStart>(out var mappingStart))
            {
                Count(1);
                anchor = mappingStart.Anchor;
                var entries = new List<KeyValuePair<string, YamlNode>>();
                var keys = new HashSet<string>(StringComparer.Ordinal);
                var weight = 1;
                while (!parser.TryConsume<MappingEnd>(out _))
                {
                    var keyNode = ReadNode(depth + 1);
                    if (keyNode is not YamlScalar key) throw new FrontmatterException("a key is not a plain value (a list or a mapping)");
                    if (!keys.Add(key.Value)) throw new FrontmatterException($"duplicate key '{key.Value}'");
                    var value = ReadNode(depth + 1);
                    entries.Add(KeyValuePair.Create(key.Value, value));
                    weight = SaturatingAdd(weight, SaturatingAdd(keyNode.Weight, value.Weight));
                }
                node = new YamlMapping(entries) { Weight = weight };
            }
            else
            {
                throw new FrontmatterException($"unexpected YAML event {parser.Current?.GetType().Name}");
            }
            if (!anchor.IsEmpty) _anchors[anchor.Value] = node;
            return node;
        }

        private static int SaturatingAdd(int a, int b) => (int)Math.Min(int.MaxValue, (long)a + b);

        /// <summary>Plain style and no tag that says otherwise (<c>!!str</c> and <c>!</c> make a string).</summary>
        private static bool IsPlain(Scalar scalar)
        {
            if (scalar.Style != ScalarStyle.Plain) return false;
            if (scalar.Tag.IsEmpty) return true;
            if (scalar.Tag.IsNonSpecific) return scalar.Tag.Value != "!";
            return scalar.Tag.Value != "tag:yaml.org,2002:str";
        }
    }
}
