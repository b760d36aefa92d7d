using Diaryx.Sync.Lite.Yjs.Lib0;
using Diaryx.Sync.Lite.Yjs.Structs;

namespace Diaryx.Sync.Lite.Yjs.Utils;

/// <summary>
/// Applies a decoded update to a document inside a transaction: integrates structs in dependency
/// order, keeps what cannot be integrated yet as pending data, applies delete sets and retries
/// pending data once its dependencies have arrived.
/// </summary>
internal static class UpdateIntegration
{
    private sealed class ClientRefs(List<AbstractStruct> refs)
    {
        public List<AbstractStruct> Refs = refs;
        public int Next;
        public bool HasMore => Next < Refs.Count;
    }

    public static void Apply(Transaction transaction, DecodedUpdate update)
    {
        var store = transaction.Doc.Store;
        var refsByClient = new Dictionary<long, ClientRefs>();
        foreach (var group in update.Groups) refsByClient[group.Client] = new ClientRefs(group.Structs);

        var rest = IntegrateStructs(transaction, store, refsByClient);
        var retry = false;
        if (store.PendingStructs != null)
        {
            foreach (var (client, clock) in store.PendingMissing!)
            {
                if (clock < store.GetState(client))
                {
                    retry = true;
                    break;
                }
            }
            if (rest != null)
            {
                foreach (var (client, clock) in rest.Value.Missing)
                {
                    if (!store.PendingMissing.TryGetValue(client, out var known) || known > clock) store.PendingMissing[client] = clock;
                }
                store.PendingStructs = Updates.Merge([store.PendingStructs, rest.Value.Update]);
            }
        }
        else if (rest != null)
        {
            store.PendingStructs = rest.Value.Update;
            store.PendingMissing = rest.Value.Missing;
        }

        var unapplied = ApplyDeleteSet(transaction, store, update.DeleteSet.Clients);
        if (store.PendingDeleteSet != null)
        {
            // yjs keeps pending deletes encoded, so they are re-read with clients descending.
            var unappliedBefore = ApplyDeleteSet(transaction, store, store.PendingDeleteSet.Clients.OrderByDescending(c => c.Key));
            store.PendingDeleteSet = unapplied != null && unappliedBefore != null
                ? DeleteSet.Merge([unapplied, unappliedBefore])
                : unapplied ?? unappliedBefore;
        }
        else
        {
            store.PendingDeleteSet = unapplied;
        }

        if (retry)
        {
            var pending = store.PendingStructs!;
            store.PendingStructs = null;
            store.PendingMissing = null;
            Apply(transaction, UpdateDecoding.Read(pending, transaction.Doc.GetRoot));
        }
    }

    /// <summary>
    /// Integrates structs, always continuing with the highest client and descending into the
    /// client a struct depends on first. Returns what could not be integrated, as an update.
    /// </summary>
    private static (byte[] Update, Dictionary<long, long> Missing)? IntegrateStructs(
        Transaction transaction, StructStore store, Dictionary<long, ClientRefs> refsByClient)
    {
        var clientIds = new List<long>(refsByClient.Keys);
        if (clientIds.Count == 0) return null;
        clientIds.Sort();

        ClientRefs? NextTarget()
        {
            while (clientIds.Count > 0)
            {
                var target = refsByClient[clientIds[^1]];
                if (target.HasMore) return target;
                clientIds.RemoveAt(clientIds.Count - 1);
            }
            return null;
        }

        var current = NextTarget();
        if (current == null) return null;
        var stack = new Stack<AbstractStruct>(0);
        // Only an update that cannot be integrated whole needs these.
        Dictionary<long, List<AbstractStruct>>? restStructs = null;
        Dictionary<long, long>? missing = null;

        void UpdateMissing(long client, long clock)
        {
            missing ??= [];
            if (!missing.TryGetValue(client, out var known) || known > clock) missing[client] = clock;
        }

        void MoveStackToRest()
        {
            restStructs ??= [];
            // Stack order: bottom first, as yjs iterates its array.
            foreach (var item in stack.Reverse())
            {
                var client = item.Client;
                if (refsByClient.TryGetValue(client, out var refs))
                {
                    refs.Next--;
                    restStructs[client] = refs.Refs.GetRange(refs.Next, refs.Refs.Count - refs.Next);
                    refsByClient.Remove(client);
                    refs.Next = 0;
                    refs.Refs = [];
                }
                else
                {
                    restStructs[client] = [item];
                }
                clientIds.Remove(client);
            }
            stack.Clear();
        }

        var head = current.Refs[current.Next++];
        while (true)
        {
            if (head is not SkipStruct)
            {
                // (yjs caches these states in a map; integrating is what moves them on, so the store has them.)
                var offset = store.GetState(head.Client) - head.Clock;
                if (offset < 0)
                {
                    stack.Push(head);
                    UpdateMissing(head.Client, head.Clock - 1);
                    MoveStackToRest();
                }
                else
                {
                    var missingClient = head is Item item ? item.GetMissing(transaction, store) : null;
                    if (missingClient is { } dependency)
                    {
                        stack.Push(head);
                        if (!refsByClient.TryGetValue(dependency, out var dependencyRefs) || !dependencyRefs.HasMore)
                        {
                            UpdateMissing(dependency, store.GetState(dependency));
                            MoveStackToRest();
                        }
                        else
                        {
                            head = dependencyRefs.Refs[dependencyRefs.Next++];
                            continue;
                        }
                    }
                    else if (offset == 0 || offset < head.Length)
                    {
                        Integrate(transaction, store, head, offset);
                    }
                }
            }
            if (stack.Count > 0)
            {
                head = stack.Pop();
            }
            else if (current != null && current.HasMore)
            {
                head = current.Refs[current.Next++];
            }
            else
            {
                current = NextTarget();
                if (current == null) break;
                head = current.Refs[current.Next++];
            }
        }

        if (restStructs == null) return null;
        var writer = new Lib0Writer();
        UpdateEncoding.WriteClientsStructs(writer, restStructs, new Dictionary<long, long>());
        writer.WriteVarUInt(0UL); // empty delete set
        return (writer.ToArray(), missing!); // every struct moved to the rest noted what it misses
    }

    private static void Integrate(Transaction transaction, StructStore store, AbstractStruct head, long offset)
    {
        switch (head)
        {
            case Item item:
                item.Integrate(transaction, (int)offset); // offset < an item's length, which fits an int
                break;
            case GcStruct gc:
                if (offset > 0)
                {
                    gc.Clock += offset;
                    gc.Length -= offset;
                }
                store.Add(transaction, gc);
                break;
        }
    }

    /// <summary>Deletes what the set names; returns the ranges for clocks this document does not have yet.</summary>
    private static DeleteSet? ApplyDeleteSet(Transaction transaction, StructStore store, IEnumerable<KeyValuePair<long, List<DeleteRange>>> clients)
    {
        var unapplied = new DeleteSet();
        foreach (var (client, ranges) in clients)
        {
            var state = store.GetState(client);
            store.Clients.TryGetValue(client, out var structs);
            foreach (var range in ranges)
            {
                var clock = range.Clock;
                var end = range.End;
                if (clock >= state)
                {
                    unapplied.Add(client, clock, end - clock);
                    continue;
                }
                if (state < end) unapplied.Add(client, state, end - state);
                var index = StructStore.FindIndex(structs!, clock);
                var first = structs![index];
                if (!first.Deleted && first.Clock < clock && first is Item firstItem)
                {
                    structs.Insert(index + 1, firstItem.Split(transaction, (int)(clock - first.Clock)));
                    index++;
                }
                while (index < structs.Count)
                {
                    var candidate = structs[index++];
                    if (candidate.Clock >= end) break;
                    if (candidate.Deleted || candidate is not Item item) continue;
                    if (end < item.End) structs.Insert(index, item.Split(transaction, (int)(end - item.Clock)));
                    item.Delete(transaction);
                }
            }
        }
        return unapplied.IsEmpty ? null : unapplied;
    }
}
