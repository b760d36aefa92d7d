using System.Globalization;
using System.Text;

namespace Diaryx.Sync.Lite.Yjs.Lib0;

/// <summary>
/// JavaScript's <c>JSON.stringify</c> and <c>JSON.parse</c> over <see cref="AnyValue"/>. yjs writes
/// JSON, Embed and Format content and awareness states with them, so the text must match byte for
/// byte (System.Text.Json escapes differently and formats numbers differently).
/// </summary>
public static class JsJson
{
    /// <summary>Returns null where JS returns undefined (undefined at the top level).</summary>
    public static string? Stringify(AnyValue value)
    {
        if (value is AnyUndefined) return null;
        var builder = new StringBuilder();
        Write(builder, value, 0);
        return builder.ToString();
    }

    private static void Write(StringBuilder builder, AnyValue value, int depth)
    {
        if (depth > AnyEncoding.MaxDepth) throw new InvalidOperationException("Value nested too deeply to stringify");
        switch (value)
        {
            case AnyUndefined or AnyNull:
                builder.Append("null");
                break;
            case AnyBool b:
                builder.Append(b.Value ? "true" : "false");
                break;
            case AnyNumber n:
                builder.Append(double.IsFinite(n.Value) ? JsNumber.ToString(n.Value) : "null");
                break;
            case AnyBigInt:
                throw new InvalidOperationException("Do not know how to serialize a BigInt");
            case AnyString s:
                AppendString(builder, s.Value);
                break;
            case AnyBytes bytes:
                // A Uint8Array stringifies as an object of its indexes.
                builder.Append('{');
                for (var i = 0; i < bytes.Value.Length; i++)
                {
                    if (i > 0) builder.Append(',');
                    builder.Append('"').Append(i.ToString(CultureInfo.InvariantCulture)).Append("\":").Append(bytes.Value[i].ToString(CultureInfo.InvariantCulture));
                }
                builder.Append('}');
                break;
            case AnyArray array:
                builder.Append('[');
                for (var i = 0; i < array.Items.Count; i++)
                {
                    if (i > 0) builder.Append(',');
                    Write(builder, array.Items[i], depth + 1);
                }
                builder.Append(']');
                break;
            case AnyObject obj:
                builder.Append('{');
                var first = true;
                foreach (var (key, item) in obj.Entries)
                {
                    if (item is AnyUndefined) continue;
                    if (!first) builder.Append(',');
                    first = false;
                    AppendString(builder, key);
                    builder.Append(':');
                    Write(builder, item, depth + 1);
                }
                builder.Append('}');
                break;
        }
    }

    /// <summary>Appends <paramref name="value"/> as <c>JSON.stringify</c> writes a string: only <c>"</c>, <c>\</c>, control characters and lone surrogates escaped.</summary>
    public static StringBuilder AppendString(StringBuilder builder, string value)
    {
        builder.Append('"');
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            switch (c)
            {
                case '"': builder.Append("\\\""); break;
                case '\\': builder.Append("\\\\"); break;
                case '\b': builder.Append("\\b"); break;
                case '\f': builder.Append("\\f"); break;
                case '\n': builder.Append("\\n"); break;
                case '\r': builder.Append("\\r"); break;
                case '\t': builder.Append("\\t"); break;
                default:
                    if (c < 0x20)
                    {
                        builder.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    }
                    else if (char.IsSurrogate(c))
                    {
                        // Well-formed JSON.stringify: pairs stay raw, lone surrogates are escaped.
                        if (char.IsHighSurrogate(c) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
                        {
                            builder.Append(c).Append(value[++i]);
                        }
                        else
                        {
                            builder.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                        }
                    }
                    else
                    {
                        builder.Append(c);
                    }
                    break;
            }
        }
        return builder.Append('"');
    }

    /// <summary>Parses JSON text like <c>JSON.parse</c>; malformed text is a <see cref="YjsDecodeException"/>.</summary>
    public static AnyValue Parse(string text)
    {
        var parser = new Parser(text);
        parser.SkipWhitespace();
        var value = parser.ParseValue(0);
        parser.SkipWhitespace();
        if (!parser.AtEnd) throw new YjsDecodeException("Unexpected trailing characters in JSON");
        return value;
    }

    private ref struct Parser(string text)
    {
        private readonly string _text = text;
        private int _position;

        public readonly bool AtEnd => _position >= _text.Length;

        public void SkipWhitespace()
        {
            while (_position < _text.Length && _text[_position] is ' ' or '\t' or '\n' or '\r') _position++;
        }

        private static YjsDecodeException Error(string what) => new($"Invalid JSON: {what}");

        private char Next() => _position < _text.Length ? _text[_position++] : throw Error("unexpected end");

        private void Expect(string literal)
        {
            if (string.CompareOrdinal(_text, _position, literal, 0, literal.Length) != 0) throw Error("unexpected token");
            _position += literal.Length;
        }

        public AnyValue ParseValue(int depth)
        {
            if (depth > AnyEncoding.MaxDepth) throw Error("nested too deeply");
            if (AtEnd) throw Error("unexpected end");
            switch (_text[_position])
            {
                case 'n': Expect("null"); return AnyValue.Null;
                case 't': Expect("true"); return AnyValue.True;
                case 'f': Expect("false"); return AnyValue.False;
                case '"': return new AnyString(ParseString());
                case '[':
                    {
                        _position++;
                        var items = new List<AnyValue>();
                        SkipWhitespace();
                        if (!AtEnd && _text[_position] == ']') { _position++; return new AnyArray(items); }
                        while (true)
                        {
                            SkipWhitespace();
                            items.Add(ParseValue(depth + 1));
                            SkipWhitespace();
                            var c = Next();
                            if (c == ']') return new AnyArray(items);
                            if (c != ',') throw Error("expected , or ]");
                        }
                    }
                case '{':
                    {
                        _position++;
                        var entries = new List<KeyValuePair<string, AnyValue>>();
                        SkipWhitespace();
                        if (!AtEnd && _text[_position] == '}') { _position++; return AnyObject.FromEntries(entries); }
                        while (true)
                        {
                            SkipWhitespace();
                            if (AtEnd || _text[_position] != '"') throw Error("expected a key");
                            var key = ParseString();
                            SkipWhitespace();
                            if (Next() != ':') throw Error("expected :");
                            SkipWhitespace();
                            entries.Add(new(key, ParseValue(depth + 1)));
                            SkipWhitespace();
                            var c = Next();
                            if (c == '}') return AnyObject.FromEntries(entries);
                            if (c != ',') throw Error("expected , or }");
                        }
                    }
                default: return new AnyNumber(ParseNumber());
            }
        }

        private double ParseNumber()
        {
            var start = _position;
            if (!AtEnd && _text[_position] == '-') _position++;
            if (AtEnd) throw Error("bad number");
            if (_text[_position] == '0') _position++;
            else if (_text[_position] is >= '1' and <= '9') SkipDigits();
            else throw Error("unexpected token");
            if (!AtEnd && _text[_position] == '.')
            {
                _position++;
                if (AtEnd || !char.IsAsciiDigit(_text[_position])) throw Error("bad number");
                SkipDigits();
            }
            if (!AtEnd && _text[_position] is 'e' or 'E')
            {
                _position++;
                if (!AtEnd && _text[_position] is '+' or '-') _position++;
                if (AtEnd || !char.IsAsciiDigit(_text[_position])) throw Error("bad number");
                SkipDigits();
            }
            return double.Parse(_text.AsSpan(start, _position - start), NumberStyles.Float, CultureInfo.InvariantCulture);
        }

        private void SkipDigits()
        {
            while (!AtEnd && char.IsAsciiDigit(_text[_position])) _position++;
        }

        private string ParseString()
        {
            _position++; // opening quote
            var builder = new StringBuilder();
            while (true)
            {
                var c = Next();
                if (c == '"') return builder.ToString();
                if (c < 0x20) throw Error("control character in string");
                if (c != '\\')
                {
                    builder.Append(c);
                    continue;
                }
                var escape = Next();
                switch (escape)
                {
                    case '"': builder.Append('"'); break;
                    case '\\': builder.Append('\\'); break;
                    case '/': builder.Append('/'); break;
                    case 'b': builder.Append('\b'); break;
                    case 'f': builder.Append('\f'); break;
                    case 'n': builder.Append('\n'); break;
                    case 'r': builder.Append('\r'); break;
                    case 't': builder.Append('\t'); break;
                    case 'u':
                        if (_position + 4 > _text.Length
                            || !ushort.TryParse(_text.AsSpan(_position, 4), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var code))
                        {
                            throw Error("bad unicode escape");
                        }
                        _position += 4;
                        builder.Append((char)code);
                        break;
                    default: throw Error("bad escape");
                }
            }
        }
    }
}

/// <summary>JavaScript's <c>Number.prototype.toString()</c> for doubles (shortest round-trip digits).</summary>
public static class JsNumber
{
    public static string ToString(double value)
    {
        if (double.IsNaN(value)) return "NaN";
        if (double.IsPositiveInfinity(value)) return "Infinity";
        if (double.IsNegativeInfinity(value)) return "-Infinity";
        if (value == 0) return "0";
        // "E16"-style output is not shortest; "R" is shortest round-trip. Normalise it to digits + exponent.
        var text = Math.Abs(value).ToString("R", CultureInfo.InvariantCulture);
        var exponentAt = text.IndexOfAny(['E', 'e']);
        var mantissa = exponentAt < 0 ? text : text[..exponentAt];
        var exponent = exponentAt < 0 ? 0 : int.Parse(text.AsSpan(exponentAt + 1), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
        var dot = mantissa.IndexOf('.');
        var digits = dot < 0 ? mantissa : mantissa.Remove(dot, 1);
        var pointPosition = (dot < 0 ? mantissa.Length : dot) + exponent;
        var leadingZeros = digits.Length - digits.TrimStart('0').Length;
        digits = digits.Trim('0');
        pointPosition -= leadingZeros;
        // value = 0.digits × 10^n with n = pointPosition (ECMAScript Number::toString notation).
        int k = digits.Length, n = pointPosition;
        var builder = new StringBuilder();
        if (value < 0) builder.Append('-');
        if (k <= n && n <= 21)
        {
            builder.Append(digits).Append('0', n - k);
        }
        else if (0 < n && n <= 21)
        {
            builder.Append(digits, 0, n).Append('.').Append(digits, n, k - n);
        }
        else if (-6 < n && n <= 0)
        {
            builder.Append("0.").Append('0', -n).Append(digits);
        }
        else
        {
            builder.Append(digits[0]);
            if (k > 1) builder.Append('.').Append(digits, 1, k - 1);
            var e = n - 1;
            builder.Append('e').Append(e >= 0 ? '+' : '-').Append(Math.Abs(e).ToString(CultureInfo.InvariantCulture));
        }
        return builder.ToString();
    }
}
