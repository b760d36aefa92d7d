using Diaryx.Sync.Lite.Yjs.Lib0;

namespace Diaryx.Sync.Lite.Yjs.Structs;

/// <summary>Content that is a run of JSON-like values, one clock each (<see cref="ContentAny"/>, <see cref="ContentJson"/>).</summary>
public abstract class ValueListContent(List<AnyValue> values) : IContent
{
    public List<AnyValue> Values { get; } = values;
    public int Length => Values.Count;
    public bool Countable => true;
    public abstract byte Ref { get; }

    public IEnumerable<AnyValue> JsonValues() => Values;

    /// <summary>A new content of the same kind holding <paramref name="values"/>.</summary>
    protected abstract ValueListContent WithValues(List<AnyValue> values);

    public IContent Splice(int offset)
    {
        var right = WithValues(Values.GetRange(offset, Values.Count - offset));
        Values.RemoveRange(offset, Values.Count - offset);
        return right;
    }

    public bool TryMergeWith(IContent right)
    {
        Values.AddRange(((ValueListContent)right).Values);
        return true;
    }

    public void Write(Lib0Writer writer, int offset)
    {
        writer.WriteVarUInt((ulong)(Values.Count - offset));
        for (var i = offset; i < Values.Count; i++) WriteValue(writer, Values[i]);
    }

    protected abstract void WriteValue(Lib0Writer writer, AnyValue value);
}
