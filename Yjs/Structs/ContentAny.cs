using Diaryx.Sync.Lite.Yjs.Lib0;

namespace Diaryx.Sync.Lite.Yjs.Structs;

/// <summary>A run of lib0 Any values (what yjs writes for JSON-like values).</summary>
public sealed class ContentAny(List<AnyValue> values) : IContent
{
    public const byte RefNumber = 8;

    public List<AnyValue> Values { get; private set; } = values;
    public int Length => Values.Count;
    public bool Countable => true;
    public byte Ref => RefNumber;

    public IEnumerable<AnyValue> JsonValues() => Values;

    public IContent Splice(int offset)
    {
        var right = new ContentAny(Values.GetRange(offset, Values.Count - offset));
        Values.RemoveRange(offset, Values.Count - offset);
        return right;
    }

    public bool TryMergeWith(IContent right)
    {
        Values.AddRange(((ContentAny)right).Values);
        return true;
    }

    public void Write(Lib0Writer writer, int offset)
    {
        writer.WriteVarUInt((ulong)(Values.Count - offset));
        for (var i = offset; i < Values.Count; i++) AnyEncoding.Write(writer, Values[i]);
    }
}
