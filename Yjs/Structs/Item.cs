using Diaryx.Sync.Lite.Yjs.Lib0;
using Diaryx.Sync.Lite.Yjs.Types;
using Diaryx.Sync.Lite.Yjs.Utils;

namespace Diaryx.Sync.Lite.Yjs.Structs;

/// <summary>
/// An insertion: content placed in a parent type between the items it saw on its left
/// (<see cref="Origin"/>) and right (<see cref="RightOrigin"/>) when it was created.
/// </summary>
public sealed class Item : AbstractStruct
{
    /// <summary>Set on the 0x20 info bit when the item belongs to a map key.</summary>
    private const byte HasParentSub = 0x20;
    private const byte HasRightOrigin = 0x40;
    private const byte HasOrigin = 0x80;

    public Id? Origin;
    public Id? RightOrigin;
    public Item? Left;
    public Item? Right;
    public YType? Parent;
    /// <summary>The parent while it is only known by id (decoded, not yet integrated).</summary>
    public Id? ParentId;
    /// <summary>The root type's name while decoding without a document.</summary>
    public string? ParentName;
    public string? ParentSub;
    public IContent Content;
    public bool IsDeleted;
    public bool Keep;

    public Item(long client, long clock, Id? origin, Id? rightOrigin, YType? parent, string? parentSub, IContent content)
        : base(client, clock, content.Length)
    {
        Origin = origin;
        RightOrigin = rightOrigin;
        Parent = parent;
        ParentSub = parentSub;
        Content = content;
    }

    public override bool Deleted => IsDeleted;

    public bool Countable => Content.Countable;

    /// <summary>The id of the last unit of this item.</summary>
    public Id LastId => new(Client, Clock + Length - 1);

    public void MarkDeleted() => IsDeleted = true;

    /// <summary>
    /// Resolves origins and parent against the store. Returns the client whose data is still
    /// missing, or null when the item can be integrated. Splits store items at the origins.
    /// </summary>
    public long? GetMissing(Transaction transaction, StructStore store)
    {
        if (Origin is { } origin && origin.Client != Client && origin.Clock >= store.GetState(origin.Client)) return origin.Client;
        if (RightOrigin is { } rightOrigin && rightOrigin.Client != Client && rightOrigin.Clock >= store.GetState(rightOrigin.Client)) return rightOrigin.Client;
        if (ParentId is { } parentId && parentId.Client != Client && parentId.Clock >= store.GetState(parentId.Client)) return parentId.Client;

        var becomesGc = false;
        if (Origin is { } o)
        {
            var left = store.GetItemCleanEnd(transaction, o);
            Origin = new Id(left.Client, left.End - 1);
            if (left is Item leftItem) Left = leftItem;
            else becomesGc = true;
        }
        if (RightOrigin is { } ro)
        {
            var right = store.GetItemCleanStart(transaction, ro);
            RightOrigin = right.Id;
            if (right is Item rightItem) Right = rightItem;
            else becomesGc = true;
        }
        if (becomesGc)
        {
            Parent = null;
            ParentId = null;
        }
        else if (ParentId is { } pid)
        {
            ParentId = null;
            Parent = store.Find(pid) is Item { Content: ContentType type } ? type.Type : null;
        }
        else if (Parent == null)
        {
            var source = Left ?? Right;
            if (source != null)
            {
                Parent = source.Parent;
                ParentSub = source.ParentSub;
            }
        }
        return null;
    }

    /// <summary>Places the item in its parent's sequence (YATA) and in the store.</summary>
    public void Integrate(Transaction transaction, int offset)
    {
        var store = transaction.Doc.Store;
        if (offset > 0)
        {
            Clock += offset;
            var leftStruct = store.GetItemCleanEnd(transaction, new Id(Client, Clock - 1));
            Origin = new Id(leftStruct.Client, leftStruct.End - 1);
            Content = Content.Splice(offset);
            Length -= offset;
            if (leftStruct is Item leftItem) Left = leftItem;
            else Parent = null; // the unit before it was collected: this part is dead too
        }
        if (Parent == null)
        {
            store.Add(transaction, new GcStruct(Client, Clock, Length));
            return;
        }
        var parent = Parent;
        if ((Left == null && (Right == null || Right.Left != null)) || (Left != null && Left.Right != Right))
        {
            ResolveConflicts(store, parent);
        }
        if (Left != null)
        {
            Right = Left.Right;
            Left.Right = this;
        }
        else if (ParentSub != null)
        {
            Right = parent.Map.TryGetValue(ParentSub, out var last) ? Leftmost(last) : null;
        }
        else
        {
            Right = parent.Start;
            parent.Start = this;
        }
        if (Right != null)
        {
            Right.Left = this;
        }
        else if (ParentSub != null)
        {
            parent.Map[ParentSub] = this;
            // The previous value of the key is overwritten.
            Left?.Delete(transaction);
        }
        if (ParentSub == null && Countable && !IsDeleted) parent.Length += Content.Length;
        parent.SearchMarker = null;
        store.Add(transaction, this);
        Content.Integrate(transaction, this);
        transaction.AddChanged(parent, ParentSub);
        if ((parent.Item != null && parent.Item.IsDeleted) || (ParentSub != null && Right != null))
        {
            Delete(transaction);
        }
    }

    /// <summary>The YATA scan: among concurrent inserts between the same neighbours, decide where this one goes.</summary>
    private void ResolveConflicts(StructStore store, YType parent)
    {
        var left = Left;
        Item? o;
        if (left != null) o = left.Right;
        else if (ParentSub != null) o = parent.Map.TryGetValue(ParentSub, out var last) ? Leftmost(last) : null;
        else o = parent.Start;

        // Sets kept per thread: two new ones for every concurrent insert were a good part of the
        // garbage an update made. One scan at a time per thread; big ones are not kept.
        var conflicting = t_conflicting ??= new HashSet<Item>(ReferenceEqualityComparer.Instance);
        var beforeOrigin = t_beforeOrigin ??= new HashSet<Item>(ReferenceEqualityComparer.Instance);
        try
        {
            while (o != null && o != Right)
            {
                beforeOrigin.Add(o);
                conflicting.Add(o);
                if (Origin == o.Origin)
                {
                    if (o.Client < Client)
                    {
                        left = o;
                        conflicting.Clear();
                    }
                    else if (RightOrigin == o.RightOrigin)
                    {
                        break;
                    }
                }
                else if (o.Origin is { } oOrigin && store.Find(oOrigin) is Item originItem && beforeOrigin.Contains(originItem))
                {
                    if (!conflicting.Contains(originItem))
                    {
                        left = o;
                        conflicting.Clear();
                    }
                }
                else
                {
                    break;
                }
                o = o.Right;
            }
        }
        finally
        {
            if (beforeOrigin.Count > MaxKeptScanItems)
            {
                (t_conflicting, t_beforeOrigin) = (null, null);
            }
            else
            {
                conflicting.Clear();
                beforeOrigin.Clear();
            }
        }
        Left = left;
    }

    [ThreadStatic]
    private static HashSet<Item>? t_conflicting, t_beforeOrigin;

    private const int MaxKeptScanItems = 1024;

    private static Item Leftmost(Item item)
    {
        while (item.Left != null) item = item.Left;
        return item;
    }

    public void Delete(Transaction transaction)
    {
        if (IsDeleted) return;
        var parent = Parent!;
        if (Countable && ParentSub == null) parent.Length -= Content.Length;
        parent.SearchMarker = null;
        IsDeleted = true;
        transaction.DeleteSet.Add(Client, Clock, Length);
        transaction.AddChanged(parent, ParentSub);
        Content.Delete(transaction);
    }

    /// <summary>Drops deleted content: it becomes <see cref="ContentDeleted"/>, or a GC struct when its parent is gone too.</summary>
    public void Gc(StructStore store, bool parentGcd)
    {
        if (!IsDeleted) throw new InvalidOperationException("Cannot collect an item that is not deleted");
        Content.Gc(store);
        if (parentGcd) store.Replace(this, new GcStruct(Client, Clock, Length));
        else Content = new ContentDeleted(Content.Length);
    }

    /// <summary>Splits this item so that it keeps <paramref name="diff"/> units; returns the right part.</summary>
    public Item Split(Transaction? transaction, int diff)
    {
        var right = new Item(Client, Clock + diff, new Id(Client, Clock + diff - 1), RightOrigin, Parent, ParentSub, Content.Splice(diff))
        {
            Left = this,
            Right = Right,
            ParentId = ParentId,
            ParentName = ParentName,
            IsDeleted = IsDeleted,
            Keep = Keep,
        };
        Right = right;
        if (right.Right != null) right.Right.Left = right;
        transaction?.MergeStructs.Add(right);
        if (right.ParentSub != null && right.Right == null && Parent != null) Parent.Map[right.ParentSub] = right;
        Length = diff;
        return right;
    }

    public override bool TryMergeWith(AbstractStruct right)
    {
        if (right is not Item r
            || r.Origin != LastId
            || Right != r
            || RightOrigin != r.RightOrigin
            || Client != r.Client
            || End != r.Clock
            || IsDeleted != r.IsDeleted
            || Content.GetType() != r.Content.GetType()
            || !Content.TryMergeWith(r.Content))
        {
            return false;
        }
        if (Parent?.SearchMarker is { } marker && marker.Item == r)
        {
            // The marked item becomes part of this one: keep the marker, pointing at the merged item.
            marker.Item = this;
            if (!IsDeleted && Countable) marker.Index -= (int)Length; // Length is still this part's own (the content is already merged)
        }
        if (r.Keep) Keep = true;
        Right = r.Right;
        if (Right != null) Right.Left = this;
        Length += r.Length;
        return true;
    }

    /// <remarks>An item's length is its content's, so <paramref name="offset"/> always fits an int.</remarks>
    public override void Write(Lib0Writer writer, long offset)
    {
        var origin = offset > 0 ? new Id(Client, Clock + offset - 1) : Origin;
        var info = (byte)(Content.Ref
            | (origin == null ? 0 : HasOrigin)
            | (RightOrigin == null ? 0 : HasRightOrigin)
            | (ParentSub == null ? 0 : HasParentSub));
        writer.WriteUInt8(info);
        if (origin is { } o)
        {
            writer.WriteVarUInt(o.Client);
            writer.WriteVarUInt(o.Clock);
        }
        if (RightOrigin is { } ro)
        {
            writer.WriteVarUInt(ro.Client);
            writer.WriteVarUInt(ro.Clock);
        }
        if (origin == null && RightOrigin == null)
        {
            WriteParent(writer);
            if (ParentSub != null) writer.WriteVarString(ParentSub);
        }
        Content.Write(writer, (int)offset);
    }

    private void WriteParent(Lib0Writer writer)
    {
        if (Parent is { } parent)
        {
            if (parent.Item is { } parentItem) WriteParentId(writer, parentItem.Id);
            else WriteParentName(writer, parent.RootName!);
        }
        else if (ParentName != null) WriteParentName(writer, ParentName);
        else if (ParentId is { } parentId) WriteParentId(writer, parentId);
        else throw new InvalidOperationException("Item has no parent to write");
    }

    private static void WriteParentName(Lib0Writer writer, string name)
    {
        writer.WriteVarUInt(1UL);
        writer.WriteVarString(name);
    }

    private static void WriteParentId(Lib0Writer writer, Id id)
    {
        writer.WriteVarUInt(0UL);
        writer.WriteVarUInt(id.Client);
        writer.WriteVarUInt(id.Clock);
    }
}
