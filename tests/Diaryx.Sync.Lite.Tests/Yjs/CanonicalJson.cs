using System.Text;
using Diaryx.Sync.Lite.Yjs;
using Diaryx.Sync.Lite.Yjs.Lib0;

namespace Diaryx.Sync.Lite.Tests.Yjs;

/// <summary>The canonical JSON text of tests/node/oracle/common.mjs, for values of our engine.</summary>
internal static class CanonicalJson
{
    public static string Of(AnyValue value)
    {
        var builder = new StringBuilder();
        Write(builder, value);
        return builder.ToString();
    }

    /// <summary>The document JSON the oracle scripts report: roots m, a, t and x.</summary>
    public static string OfDoc(YDoc doc) => Of(AnyObject.FromEntries(
    [
        new("m", doc.GetMap("m").ToJson()),
        new("a", doc.GetArray("a").ToJson()),
        new("t", doc.GetText("t").ToString()),
        new("x", doc.GetXmlFragment("x").ToString()),
    ]));

    private static void Write(StringBuilder builder, AnyValue value)
    {
        switch (value)
        {
            case AnyUndefined:
                builder.Append("{\"$undefined\":true}");
                break;
            case AnyNumber n when double.IsNaN(n.Value):
                builder.Append("{\"$num\":\"NaN\"}");
                break;
            case AnyNumber n when double.IsInfinity(n.Value):
                builder.Append(n.Value > 0 ? "{\"$num\":\"Infinity\"}" : "{\"$num\":\"-Infinity\"}");
                break;
            case AnyNumber n when n.Value == 0 && double.IsNegative(n.Value):
                builder.Append("{\"$num\":\"-0\"}");
                break;
            case AnyBigInt i:
                builder.Append("{\"$bigint\":\"").Append(i.Value).Append("\"}");
                break;
            case AnyBytes bytes:
                builder.Append("{\"$bytes\":\"").Append(Convert.ToBase64String(bytes.Value)).Append("\"}");
                break;
            case AnyArray array:
                builder.Append('[');
                for (var i = 0; i < array.Items.Count; i++)
                {
                    if (i > 0) builder.Append(',');
                    Write(builder, array.Items[i]);
                }
                builder.Append(']');
                break;
            case AnyObject obj:
                builder.Append('{');
                var first = true;
                foreach (var (key, item) in obj.Entries.OrderBy(e => e.Key, StringComparer.Ordinal))
                {
                    if (item is AnyUndefined) continue;
                    if (!first) builder.Append(',');
                    first = false;
                    builder.Append(JsJson.Stringify(key)).Append(':');
                    Write(builder, item);
                }
                builder.Append('}');
                break;
            default:
                builder.Append(JsJson.Stringify(value));
                break;
        }
    }
}
