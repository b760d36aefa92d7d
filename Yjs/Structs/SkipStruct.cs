using Diaryx.Sync.Lite.Yjs.Lib0;

namespace Diaryx.Sync.Lite.Yjs.Structs;

/// <summary>A hole in an update (clocks the update does not carry). Never stored in a document.</summary>
public sealed class SkipStruct(long client, long clock, long length) : AbstractStruct(client, clock, length)
{
    public const byte Ref = 10;

    public override bool Deleted => true;

    public override void Write(Lib0Writer writer, long offset)
    {
        writer.WriteUInt8(Ref);
        writer.WriteVarUInt((ulong)(Length - offset));
    }

    public override bool TryMergeWith(AbstractStruct right)
    {
        if (right is not SkipStruct) return false;
        Length += right.Length;
        return true;
    }
}
