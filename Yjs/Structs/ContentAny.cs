using Diaryx.Sync.Lite.Yjs.Lib0;

namespace Diaryx.Sync.Lite.Yjs.Structs;

/// <summary>A run of lib0 Any values (what yjs writes for JSON-like values).</summary>
public sealed class ContentAny(List<AnyValue> values) : ValueListContent(values)
{
    public const byte RefNumber = 8;

    public override byte Ref => RefNumber;

    protected override ValueListContent WithValues(List<AnyValue> values) => new ContentAny(values);

    protected override void WriteValue(Lib0Writer writer, AnyValue value) => AnyEncoding.Write(writer, value);
}
