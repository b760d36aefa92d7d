using Diaryx.Sync.Lite.Yjs.Structs;

namespace Diaryx.Sync.Lite.Yjs.Utils;

/// <summary>
/// Every struct of a document, per client, sorted by clock and contiguous from clock 0,
/// plus the updates that could not be integrated yet because something they depend on is missing.
/// </summary>
public sealed class StructStore
{
    public readonly Dictionary<long, List<AbstractStruct>> Clients = [];

    /// <summary>Structs waiting for missing dependencies, as an update v1 (Skip structs for holes).</summary>
    public byte[]? PendingStructs;

    /// <summary>The lowest missing clock per client that blocks <see cref="PendingStructs"/>.</summary>
    public Dictionary<long, long>? PendingMissing;

    /// <summary>Delete ranges for clocks not received yet.</summary>
    public DeleteSet? PendingDeleteSet;

    public bool HasPending => PendingStructs != null || PendingDeleteSet != null;

    /// <summary>The next expected clock of <paramref name="client"/>.</summary>
    public long GetState(long client) =>
        Clients.TryGetValue(client, out var structs) && structs.Count > 0 ? structs[^1].End : 0;

    public Dictionary<long, long> GetStateVector()
    {
        var sv = new Dictionary<long, long>(Clients.Count);
        foreach (var (client, structs) in Clients)
        {
            if (structs.Count > 0) sv[client] = structs[^1].End;
        }
        return sv;
    }

    /// <summary>Appends a struct to its client's structs (only this moves a client's state on), noting the state before in <paramref name="transaction"/>.</summary>
    public void Add(Transaction transaction, AbstractStruct item)
    {
        if (!Clients.TryGetValue(item.Client, out var structs))
        {
            structs = [];
            Clients[item.Client] = structs;
        }
        else if (structs.Count > 0 && structs[^1].End != item.Clock)
        {
            throw new InvalidOperationException("Struct store must stay contiguous");
        }
        transaction.NoteAppend(item.Client, item.Clock);
        structs.Add(item);
    }

    /// <summary>Index of the struct containing <paramref name="clock"/> (binary search seeded by a proportional guess).</summary>
    public static int FindIndex(List<AbstractStruct> structs, long clock)
    {
        var left = 0;
        var right = structs.Count - 1;
        var mid = structs[right];
        var midClock = mid.Clock;
        if (midClock == clock) return right;
        var lastClock = mid.End - 1;
        var midIndex = lastClock <= 0 ? 0 : (int)Math.Clamp(Math.Floor((double)clock / lastClock * right), 0, right);
        while (left <= right)
        {
            mid = structs[midIndex];
            midClock = mid.Clock;
            if (midClock <= clock)
            {
                if (clock < midClock + mid.Length) return midIndex;
                left = midIndex + 1;
            }
            else
            {
                right = midIndex - 1;
            }
            midIndex = (left + right) / 2;
        }
        throw new InvalidOperationException($"Clock {clock} is not in the store");
    }

    /// <summary>The struct containing <paramref name="id"/>, or null if the store does not have it.</summary>
    public AbstractStruct? Find(Id id)
    {
        if (!Clients.TryGetValue(id.Client, out var structs) || structs.Count == 0 || id.Clock >= structs[^1].End || id.Clock < 0) return null;
        return structs[FindIndex(structs, id.Clock)];
    }

    /// <summary>The struct that starts at <paramref name="id"/>, splitting an item if needed (GC is not split).</summary>
    public AbstractStruct GetItemCleanStart(Transaction? transaction, Id id)
    {
        var structs = Clients[id.Client];
        return structs[FindIndexCleanStart(transaction, structs, id.Clock)];
    }

    public static int FindIndexCleanStart(Transaction? transaction, List<AbstractStruct> structs, long clock)
    {
        var index = FindIndex(structs, clock);
        var found = structs[index];
        if (found.Clock < clock && found is Item item)
        {
            structs.Insert(index + 1, item.Split(transaction, (int)(clock - item.Clock)));
            return index + 1;
        }
        return index;
    }

    /// <summary>The struct that ends at <paramref name="id"/>, splitting an item if needed (GC is not split).</summary>
    public AbstractStruct GetItemCleanEnd(Transaction? transaction, Id id)
    {
        var structs = Clients[id.Client];
        var index = FindIndex(structs, id.Clock);
        var found = structs[index];
        if (id.Clock != found.End - 1 && found is Item item)
        {
            structs.Insert(index + 1, item.Split(transaction, (int)(id.Clock - item.Clock + 1)));
        }
        return found;
    }

    public void Replace(AbstractStruct old, AbstractStruct replacement)
    {
        var structs = Clients[old.Client];
        structs[FindIndex(structs, old.Clock)] = replacement;
    }
}
