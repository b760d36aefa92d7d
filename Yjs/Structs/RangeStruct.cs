using Diaryx.Sync.Lite.Yjs.Lib0;

namespace Diaryx.Sync.Lite.Yjs.Structs;

/// <summary>A run of clocks with no content (a GC or a Skip): written as its ref and length, merged with its own kind.</summary>
public abstract class RangeStruct(long client, long clock, long length) : AbstractStruct(client, clock, length)
{
    protected abstract byte RefNumber { get; }

    public override bool Deleted => true;

    public override void Write(Lib0Writer writer, long offset)
    {
        writer.WriteUInt8(RefNumber);
        writer.WriteVarUInt((ulong)(Length - offset));
    }

    public override bool TryMergeWith(AbstractStruct right)
    {
        if (right.GetType() != GetType()) return false;
        Length += right.Length;
        return true;
    }
}
