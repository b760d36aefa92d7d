using System.Text;
using System.Text.Json;
using Diaryx.Sync.Lite.Yjs.Lib0;

namespace Diaryx.Sync.Lite.Documents;

/// <summary>
/// Compact JSON text as serde_json writes it (and JavaScript's <c>JSON.stringify</c>): no
/// whitespace, object keys in their given order, numbers as written, and strings escaping only
/// <c>"</c>, <c>\</c>, control characters and lone surrogates (everything else stays literal,
/// emoji included). Hand-written so it needs no reflection (Native AOT) and no HTML-safe escaping.
/// </summary>
internal static class CompactJson
{
    /// <summary>Appends <paramref name="value"/> as a JSON string literal (escaped exactly as <c>JSON.stringify</c> does).</summary>
    public static StringBuilder AppendString(StringBuilder builder, string value) => JsJson.AppendString(builder, value);

    /// <summary>The JSON string literal of <paramref name="value"/>.</summary>
    public static string String(string value) => AppendString(new StringBuilder(value.Length + 2), value).ToString();

    /// <summary>Appends <paramref name="element"/> compactly (numbers keep their text, keys their order).</summary>
    public static StringBuilder AppendElement(StringBuilder builder, JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                builder.Append('{');
                var firstProperty = true;
                foreach (var property in element.EnumerateObject())
                {
                    if (!firstProperty) builder.Append(',');
                    firstProperty = false;
                    AppendString(builder, property.Name).Append(':');
                    AppendElement(builder, property.Value);
                }
                return builder.Append('}');
            case JsonValueKind.Array:
                builder.Append('[');
                var firstItem = true;
                foreach (var item in element.EnumerateArray())
                {
                    if (!firstItem) builder.Append(',');
                    firstItem = false;
                    AppendElement(builder, item);
                }
                return builder.Append(']');
            case JsonValueKind.String:
                return AppendString(builder, element.GetString()!);
            default:
                // Numbers, true, false, null: their text as written.
                return builder.Append(element.GetRawText());
        }
    }

    /// <summary><paramref name="rawJson"/> rewritten compactly; throws <see cref="JsonException"/> if it is not JSON.</summary>
    public static string Normalize(string rawJson)
    {
        using var document = JsonDocument.Parse(rawJson);
        return AppendElement(new StringBuilder(rawJson.Length), document.RootElement).ToString();
    }
}
