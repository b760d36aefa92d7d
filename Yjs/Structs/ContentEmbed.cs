using Diaryx.Sync.Lite.Yjs.Lib0;

namespace Diaryx.Sync.Lite.Yjs.Structs;

/// <summary>An embed in rich text (written as JSON text in update v1).</summary>
public sealed class ContentEmbed(AnyValue embed) : IContent
{
    public const byte RefNumber = 5;

    public AnyValue Embed { get; } = embed;
    public int Length => 1;
    public bool Countable => true;
    public byte Ref => RefNumber;

    public IEnumerable<AnyValue> JsonValues() => [Embed];

    public IContent Splice(int offset) => throw new InvalidOperationException("Embed content has length 1");

    public bool TryMergeWith(IContent right) => false;

    public void Write(Lib0Writer writer, int offset) => writer.WriteVarString(JsJson.Stringify(Embed) ?? "undefined");
}
