namespace Diaryx.Sync.Lite.Yjs.Structs;

/// <summary>A hole in an update (clocks the update does not carry). Never stored in a document.</summary>
public sealed class SkipStruct(long client, long clock, long length) : RangeStruct(client, clock, length)
{
    public const byte Ref = 10;

    protected override byte RefNumber => Ref;
}
