namespace Diaryx.Sync.Lite.Yjs.Structs;

/// <summary>A garbage-collected range: the ids exist, their content and position do not.</summary>
public sealed class GcStruct(long client, long clock, long length) : RangeStruct(client, clock, length)
{
    public const byte Ref = 0;

    protected override byte RefNumber => Ref;
}
