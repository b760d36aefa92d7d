using Diaryx.Sync.Lite.Yjs.Lib0;

namespace Diaryx.Sync.Lite.Yjs.Structs;

/// <summary>Legacy JSON content (old clients): each unit is JSON text or the literal <c>undefined</c>.</summary>
public sealed class ContentJson(List<AnyValue> values) : ValueListContent(values)
{
    public const byte RefNumber = 2;

    public override byte Ref => RefNumber;

    protected override ValueListContent WithValues(List<AnyValue> values) => new ContentJson(values);

    protected override void WriteValue(Lib0Writer writer, AnyValue value) => writer.WriteVarString(JsJson.Stringify(value) ?? "undefined");

    public static ContentJson Read(Lib0Reader reader)
    {
        var count = reader.ReadVarLength();
        var values = new List<AnyValue>(Math.Min(count, reader.Remaining));
        for (var i = 0; i < count; i++)
        {
            var text = reader.ReadVarString();
            values.Add(text == "undefined" ? AnyValue.Undefined : JsJson.Parse(text));
        }
        return new ContentJson(values);
    }
}
