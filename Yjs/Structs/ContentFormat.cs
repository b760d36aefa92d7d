using Diaryx.Sync.Lite.Yjs.Lib0;
using Diaryx.Sync.Lite.Yjs.Utils;

namespace Diaryx.Sync.Lite.Yjs.Structs;

/// <summary>A formatting mark in rich text: attribute <see cref="Key"/> takes <see cref="Value"/> from here on (null ends it).</summary>
public sealed class ContentFormat(string key, AnyValue value) : IContent
{
    public const byte RefNumber = 6;

    public string Key { get; } = key;
    public AnyValue Value { get; } = value;
    public int Length => 1;
    public bool Countable => false;
    public byte Ref => RefNumber;

    public IEnumerable<AnyValue> JsonValues() => [];

    public IContent Splice(int offset) => throw new InvalidOperationException("Format content has length 1");

    public bool TryMergeWith(IContent right) => false;

    public void Write(Lib0Writer writer, int offset)
    {
        writer.WriteVarString(Key);
        writer.WriteVarString(JsJson.Stringify(Value) ?? "undefined");
    }

    public void Integrate(Transaction transaction, Item item)
    {
        var parent = item.Parent!;
        parent.SearchMarker = null;
        parent.HasFormatting = true;
    }
}
