using Diaryx.Sync.Lite.Yjs.Lib0;

namespace Diaryx.Sync.Lite.Yjs.Structs;

/// <summary>A garbage-collected range: the ids exist, their content and position do not.</summary>
public sealed class GcStruct(long client, long clock, long length) : AbstractStruct(client, clock, length)
{
    public const byte Ref = 0;

    public override bool Deleted => true;

    public override void Write(Lib0Writer writer, long offset)
    {
        writer.WriteUInt8(Ref);
        writer.WriteVarUInt((ulong)(Length - offset));
    }

    public override bool TryMergeWith(AbstractStruct right)
    {
        if (right is not GcStruct) return false;
        Length += right.Length;
        return true;
    }
}
