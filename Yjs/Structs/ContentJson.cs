using Diaryx.Sync.Lite.Yjs.Lib0;

namespace Diaryx.Sync.Lite.Yjs.Structs;

/// <summary>Legacy JSON content (old clients): each unit is JSON text or the literal <c>undefined</c>.</summary>
public sealed class ContentJson(List<AnyValue> values) : IContent
{
    public const byte RefNumber = 2;

    public List<AnyValue> Values { get; private set; } = values;
    public int Length => Values.Count;
    public bool Countable => true;
    public byte Ref => RefNumber;

    public IEnumerable<AnyValue> JsonValues() => Values;

    public IContent Splice(int offset)
    {
        var right = new ContentJson(Values.GetRange(offset, Values.Count - offset));
        Values.RemoveRange(offset, Values.Count - offset);
        return right;
    }

    public bool TryMergeWith(IContent right)
    {
        Values.AddRange(((ContentJson)right).Values);
        return true;
    }

    public void Write(Lib0Writer writer, int offset)
    {
        writer.WriteVarUInt((ulong)(Values.Count - offset));
        for (var i = offset; i < Values.Count; i++) writer.WriteVarString(JsJson.Stringify(Values[i]) ?? "undefined");
    }

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
