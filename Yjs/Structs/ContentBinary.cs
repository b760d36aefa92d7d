using Diaryx.Sync.Lite.Yjs.Lib0;

namespace Diaryx.Sync.Lite.Yjs.Structs;

/// <summary>One Uint8Array value.</summary>
public sealed class ContentBinary(byte[] bytes) : IContent
{
    public const byte RefNumber = 3;

    public byte[] Bytes { get; } = bytes;
    public int Length => 1;
    public bool Countable => true;
    public byte Ref => RefNumber;

    public IEnumerable<AnyValue> JsonValues() => [new AnyBytes(Bytes)];

    public IContent Splice(int offset) => throw new InvalidOperationException("Binary content has length 1");

    public bool TryMergeWith(IContent right) => false;

    public void Write(Lib0Writer writer, int offset) => writer.WriteVarBytes(Bytes);
}
