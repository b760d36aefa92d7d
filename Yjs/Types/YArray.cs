using Diaryx.Sync.Lite.Yjs.Lib0;
using Diaryx.Sync.Lite.Yjs.Structs;

namespace Diaryx.Sync.Lite.Yjs.Types;

/// <summary>A Y.Array view over a shared type.</summary>
public sealed class YArray(YType type)
{
    public YType Type { get; } = type;

    public int Length => Type.Length;

    public AnyValue ToJson() => Type.ToJson();

    /// <summary>Inserts values at <paramref name="index"/>; runs of JSON-like values share one item as in yjs.</summary>
    public void Insert(int index, params AnyValue[] values)
    {
        var contents = new List<IContent>();
        List<AnyValue>? run = null;
        foreach (var value in values)
        {
            if (value is AnyBytes bytes)
            {
                if (run != null) contents.Add(new ContentAny(run));
                run = null;
                contents.Add(new ContentBinary(bytes.Value));
            }
            else
            {
                (run ??= []).Add(value);
            }
        }
        if (run != null) contents.Add(new ContentAny(run));
        InsertContents(index, contents);
    }

    public void Push(params AnyValue[] values) => Insert(Length, values);

    /// <summary>Inserts a new nested type at <paramref name="index"/> and returns it.</summary>
    public YType InsertType(int index, TypeKind kind, string? nodeName = null)
    {
        var content = ContentFactory.ForType(kind, nodeName);
        InsertContents(index, [content]);
        return content.Type;
    }

    internal void InsertContents(int index, List<IContent> contents)
    {
        if (index < 0 || index > Type.Length) throw new ArgumentOutOfRangeException(nameof(index), "Length exceeded");
        if (contents.Count == 0) return;
        Type.RequireDoc().Transact(t =>
        {
            var left = index == 0 ? null : FindLeft(t, index);
            var right = left == null ? Type.Start : left.Right;
            foreach (var content in contents)
            {
                left = Type.InsertItem(t, left, right, null, content);
            }
            Type.SearchMarker = new SearchMarker(left!, index + contents.Sum(c => c.Length) - left!.Content.Length);
        });
    }

    /// <summary>The live item that ends exactly at <paramref name="index"/> (splitting one if needed).</summary>
    private Item FindLeft(Utils.Transaction transaction, int index)
    {
        var (n, nIndex) = Type.StartNear(index, strictlyBefore: true);
        for (; n != null; n = n.Right)
        {
            if (n.IsDeleted || !n.Countable) continue;
            var inside = index - nIndex;
            if (inside <= n.Length)
            {
                if (inside < n.Length) transaction.Doc.Store.GetItemCleanStart(transaction, new Utils.Id(n.Client, n.Clock + inside));
                return n;
            }
            nIndex += n.Content.Length;
        }
        throw new ArgumentOutOfRangeException(nameof(index), "Length exceeded");
    }

    public void Delete(int index, int length = 1)
    {
        if (length == 0) return;
        if (index < 0 || length < 0 || index + length > Type.Length) throw new ArgumentOutOfRangeException(nameof(length), "Array length exceeded");
        Type.RequireDoc().Transact(t =>
        {
            var store = t.Doc.Store;
            var (n, nIndex) = Type.StartNear(index, strictlyBefore: false);
            var skip = index - nIndex;
            for (; n != null && skip > 0; n = n.Right)
            {
                if (n.IsDeleted || !n.Countable) continue;
                if (skip < n.Length) store.GetItemCleanStart(t, new Utils.Id(n.Client, n.Clock + skip));
                skip -= n.Content.Length;
            }
            var remaining = length;
            for (; remaining > 0 && n != null; n = n.Right)
            {
                if (n.IsDeleted) continue;
                if (remaining < n.Length) store.GetItemCleanStart(t, new Utils.Id(n.Client, n.Clock + remaining));
                n.Delete(t);
                remaining -= n.Content.Length;
            }
            if (n != null && !n.IsDeleted && n.Countable) Type.SearchMarker = new SearchMarker(n, index);
        });
    }
}
