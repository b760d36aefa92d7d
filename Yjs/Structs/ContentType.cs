using Diaryx.Sync.Lite.Yjs.Lib0;
using Diaryx.Sync.Lite.Yjs.Types;
using Diaryx.Sync.Lite.Yjs.Utils;

namespace Diaryx.Sync.Lite.Yjs.Structs;

/// <summary>A nested shared type (Y.Map, Y.Array, Y.Text or an XML type) living inside an item.</summary>
public sealed class ContentType(YType type) : IContent
{
    public const byte RefNumber = 7;

    public YType Type { get; } = type;
    public int Length => 1;
    public bool Countable => true;
    public byte Ref => RefNumber;

    public IEnumerable<AnyValue> JsonValues() => [Type.ToJson()];

    public IContent Splice(int offset) => throw new InvalidOperationException("Type content has length 1");

    public bool TryMergeWith(IContent right) => false;

    public void Write(Lib0Writer writer, int offset)
    {
        writer.WriteVarUInt((ulong)Type.Kind);
        if (Type.Kind is TypeKind.XmlElement or TypeKind.XmlHook) writer.WriteVarString(Type.NodeName!);
    }

    public static ContentType Read(Lib0Reader reader)
    {
        var kind = reader.ReadVarUInt();
        return kind switch
        {
            (long)TypeKind.Array or (long)TypeKind.Map or (long)TypeKind.Text or (long)TypeKind.XmlFragment or (long)TypeKind.XmlText
                => new ContentType(new YType((TypeKind)kind)),
            (long)TypeKind.XmlElement or (long)TypeKind.XmlHook => new ContentType(new YType((TypeKind)kind, reader.ReadVarString())),
            _ => throw new YjsDecodeException($"Unknown type ref {kind}"),
        };
    }

    public void Integrate(Transaction transaction, Item item)
    {
        Type.Doc = transaction.Doc;
        Type.Item = item;
    }

    /// <summary>Deleting a type deletes its live children; already-deleted ones are queued for merging.</summary>
    public void Delete(Transaction transaction)
    {
        for (var item = Type.Start; item != null; item = item.Right) DeleteChild(transaction, item);
        foreach (var item in Type.Map.Values) DeleteChild(transaction, item);
    }

    private static void DeleteChild(Transaction transaction, Item item)
    {
        if (!item.IsDeleted) item.Delete(transaction);
        else if (item.Clock < transaction.BeforeState(item.Client)) transaction.MergeStructs.Add(item);
    }

    /// <summary>Garbage-collecting a type replaces every child with a GC struct.</summary>
    public void Gc(StructStore store)
    {
        for (var item = Type.Start; item != null; item = item.Right) item.Gc(store, parentGcd: true);
        Type.Start = null;
        foreach (var last in Type.Map.Values)
        {
            for (var item = last; item != null; item = item.Left) item.Gc(store, parentGcd: true);
        }
        Type.Map.Clear();
    }
}
