using Diaryx.Sync.Lite.Yjs.Lib0;
using Diaryx.Sync.Lite.Yjs.Structs;
using Diaryx.Sync.Lite.Yjs.Types;

namespace Diaryx.Sync.Lite.Yjs.Utils;

/// <summary>
/// A batch of changes to a document. Cleanup at the end collects garbage and merges structs
/// exactly as yjs does, because the resulting struct layout is visible in encoded bytes.
/// </summary>
public sealed class Transaction
{
    /// <summary>
    /// The state before this transaction of each client it appended structs to (only appends move a
    /// state on): noted as they happen rather than a copy of the whole state vector up front, which
    /// cost two dictionaries the size of the document's client list for every keystroke.
    /// </summary>
    private Dictionary<long, long>? _appendedFrom;

    internal Transaction(YDoc doc, object? origin, bool local)
    {
        Doc = doc;
        Origin = origin;
        Local = local;
    }

    public YDoc Doc { get; }

    public object? Origin { get; }

    /// <summary>False while applying a remote update.</summary>
    public bool Local { get; internal set; }

    /// <summary>Everything this transaction deleted.</summary>
    public DeleteSet DeleteSet { get; } = new();

    /// <summary>Structs that were split or touched and may merge again at cleanup.</summary>
    public List<AbstractStruct> MergeStructs { get; } = [];

    /// <summary>Types whose content changed (types created in this transaction are not listed).</summary>
    public HashSet<YType> Changed { get; } = new(ReferenceEqualityComparer.Instance);

    /// <summary>The client's state when this transaction began (while it runs, or at its end).</summary>
    public long BeforeState(long client) =>
        _appendedFrom != null && _appendedFrom.TryGetValue(client, out var clock) ? clock : Doc.Store.GetState(client);

    /// <summary>The store appends a struct of <paramref name="client"/> starting at <paramref name="clock"/>, its state until then.</summary>
    internal void NoteAppend(long client, long clock) => (_appendedFrom ??= []).TryAdd(client, clock);

    internal void AddChanged(YType type, string? parentSub)
    {
        var item = type.Item;
        if (item == null || (item.Clock < BeforeState(item.Client) && !item.IsDeleted)) Changed.Add(type);
    }

    /// <summary>Collects garbage, merges structs and returns the update v1 this transaction produced (or null).</summary>
    internal byte[]? Cleanup(bool encodeUpdate)
    {
        var store = Doc.Store;
        DeleteSet.SortAndMerge();
        if (Doc.Gc) CollectGarbage(store);
        MergeDeletedStructs(store);
        foreach (var (client, beforeClock) in _appendedFrom ?? [])
        {
            var structs = store.Clients[client];
            var firstChange = Math.Max(StructStore.FindIndex(structs, beforeClock), 1);
            for (var i = structs.Count - 1; i >= firstChange;) i -= 1 + TryMergeWithLefts(structs, i);
        }
        for (var i = MergeStructs.Count - 1; i >= 0; i--)
        {
            var merged = MergeStructs[i];
            var structs = store.Clients[merged.Client];
            var position = StructStore.FindIndex(structs, merged.Clock);
            if (position + 1 < structs.Count && TryMergeWithLefts(structs, position + 1) > 1) continue;
            if (position > 0) TryMergeWithLefts(structs, position);
        }
        if (!Local && _appendedFrom != null && _appendedFrom.ContainsKey(Doc.ClientId))
        {
            // Someone else wrote with our client id: take a new one so our ids stay unique.
            Doc.ClientId = YDoc.GenerateClientId();
        }
        if (!encodeUpdate || (DeleteSet.IsEmpty && _appendedFrom == null)) return null;
        var writer = new Lib0Writer();
        UpdateEncoding.WriteClientsStructs(writer, store.Clients, [.. _appendedFrom ?? []]);
        DeleteSet.Write(writer);
        return writer.ToArray();
    }

    private void CollectGarbage(StructStore store)
    {
        foreach (var (client, ranges) in DeleteSet.Clients)
        {
            var structs = store.Clients[client];
            for (var r = ranges.Count - 1; r >= 0; r--)
            {
                var range = ranges[r];
                for (var i = StructStore.FindIndex(structs, range.Clock); i < structs.Count && structs[i].Clock < range.End; i++)
                {
                    if (structs[i] is Item { IsDeleted: true, Keep: false } item) item.Gc(store, parentGcd: false);
                }
            }
        }
    }

    private void MergeDeletedStructs(StructStore store)
    {
        foreach (var (client, ranges) in DeleteSet.Clients)
        {
            var structs = store.Clients[client];
            for (var r = ranges.Count - 1; r >= 0; r--)
            {
                var range = ranges[r];
                var mostRight = Math.Min(structs.Count - 1, 1 + StructStore.FindIndex(structs, range.End - 1));
                for (var i = mostRight; i > 0 && structs[i].Clock >= range.Clock;) i -= 1 + TryMergeWithLefts(structs, i);
            }
        }
    }

    /// <summary>Merges structs[pos] into its left neighbours as far as possible; returns how many merged.</summary>
    private static int TryMergeWithLefts(List<AbstractStruct> structs, int pos)
    {
        var right = structs[pos];
        var i = pos;
        for (; i > 0; i--)
        {
            var left = structs[i - 1];
            if (left.Deleted != right.Deleted || left.GetType() != right.GetType() || !left.TryMergeWith(right)) break;
            if (right is Item { ParentSub: { } key, Parent: { } parent } && parent.Map.TryGetValue(key, out var current) && current == right)
            {
                parent.Map[key] = (Item)left;
            }
            right = left;
        }
        var merged = pos - i;
        if (merged > 0) structs.RemoveRange(pos + 1 - merged, merged);
        return merged;
    }
}
