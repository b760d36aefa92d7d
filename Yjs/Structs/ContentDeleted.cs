using Diaryx.Sync.Lite.Yjs.Lib0;
using Diaryx.Sync.Lite.Yjs.Utils;

namespace Diaryx.Sync.Lite.Yjs.Structs;

/// <summary>Deleted (garbage-collected) content that still holds its place in a sequence.</summary>
public sealed class ContentDeleted(int length) : IContent
{
    public const byte RefNumber = 1;

    public int Length { get; private set; } = length;
    public bool Countable => false;
    public byte Ref => RefNumber;

    public IEnumerable<AnyValue> JsonValues() => [];

    public IContent Splice(int offset)
    {
        var right = new ContentDeleted(Length - offset);
        Length = offset;
        return right;
    }

    public bool TryMergeWith(IContent right)
    {
        if ((long)Length + right.Length > int.MaxValue) return false;
        Length += right.Length;
        return true;
    }

    public void Write(Lib0Writer writer, int offset) => writer.WriteVarUInt((ulong)(Length - offset));

    public void Integrate(Transaction transaction, Item item)
    {
        transaction.DeleteSet.Add(item.Client, item.Clock, Length);
        item.MarkDeleted();
    }
}
