using Diaryx.Sync.Lite.Yjs.Lib0;
using Diaryx.Sync.Lite.Yjs.Structs;

namespace Diaryx.Sync.Lite.Yjs.Utils;

public struct DeleteRange(long clock, long length)
{
    public long Clock = clock;
    public long Length = length;
    public readonly long End => Clock + Length;
}

/// <summary>Deleted clock ranges per client, as carried at the end of every update.</summary>
public sealed class DeleteSet
{
    public readonly Dictionary<long, List<DeleteRange>> Clients = [];

    public bool IsEmpty => Clients.Count == 0;

    public void Add(long client, long clock, long length)
    {
        if (!Clients.TryGetValue(client, out var ranges))
        {
            ranges = [];
            Clients[client] = ranges;
        }
        ranges.Add(new DeleteRange(clock, length));
    }

    /// <summary>Sorts each client's ranges and joins overlapping or adjacent ones.</summary>
    public void SortAndMerge()
    {
        foreach (var ranges in Clients.Values)
        {
            ranges.Sort((a, b) => a.Clock.CompareTo(b.Clock));
            var j = 1;
            for (var i = 1; i < ranges.Count; i++)
            {
                var left = ranges[j - 1];
                var right = ranges[i];
                if (left.End >= right.Clock)
                {
                    left.Length = Math.Max(left.Length, right.End - left.Clock);
                    ranges[j - 1] = left;
                }
                else
                {
                    ranges[j++] = right;
                }
            }
            if (ranges.Count > 0) ranges.RemoveRange(j, ranges.Count - j);
        }
    }

    public static DeleteSet Merge(IEnumerable<DeleteSet> sets)
    {
        var merged = new DeleteSet();
        foreach (var set in sets)
        {
            foreach (var (client, ranges) in set.Clients)
            {
                if (!merged.Clients.TryGetValue(client, out var target))
                {
                    target = [];
                    merged.Clients[client] = target;
                }
                target.AddRange(ranges);
            }
        }
        merged.SortAndMerge();
        return merged;
    }

    /// <summary>Clients in descending order, ranges as they are.</summary>
    public void Write(Lib0Writer writer)
    {
        writer.WriteVarUInt((ulong)Clients.Count);
        if (Clients.Count == 0) return;
        // Sorted in place rather than with LINQ: every update ends with a delete set, mostly empty.
        Span<long> clients = Clients.Count <= 64 ? stackalloc long[Clients.Count] : new long[Clients.Count];
        var count = 0;
        foreach (var client in Clients.Keys) clients[count++] = client;
        clients.Sort((a, b) => b.CompareTo(a));
        foreach (var client in clients)
        {
            var ranges = Clients[client];
            writer.WriteVarUInt(client);
            writer.WriteVarUInt((ulong)ranges.Count);
            foreach (var range in ranges)
            {
                writer.WriteVarUInt(range.Clock);
                writer.WriteVarUInt(range.Length);
            }
        }
    }

    /// <summary>Reads a v1 delete set; clients with no ranges are dropped, as yjs does.</summary>
    public static DeleteSet Read(Lib0Reader reader)
    {
        var set = new DeleteSet();
        var clientCount = reader.ReadVarLength();
        for (var i = 0; i < clientCount; i++)
        {
            var client = reader.ReadVarUInt();
            var rangeCount = reader.ReadVarLength();
            if (rangeCount > reader.Remaining / 2) throw new YjsDecodeException("Delete set longer than the update");
            for (var r = 0; r < rangeCount; r++)
            {
                var clock = reader.ReadVarUInt();
                var length = reader.ReadVarUInt();
                if (length == 0) throw new YjsDecodeException("Delete range of length 0"); // yjs cannot re-encode one either
                if (clock + length > Lib0Reader.MaxSafeInteger) throw new YjsDecodeException("Delete range out of range");
                set.Add(client, clock, length);
            }
        }
        return set;
    }

    /// <summary>Every deleted struct of a store, consecutive ones joined.</summary>
    public static DeleteSet FromStore(StructStore store)
    {
        var set = new DeleteSet();
        foreach (var (client, structs) in store.Clients)
        {
            List<DeleteRange>? ranges = null;
            for (var i = 0; i < structs.Count; i++)
            {
                if (!structs[i].Deleted) continue;
                var clock = structs[i].Clock;
                long length = structs[i].Length;
                while (i + 1 < structs.Count && structs[i + 1].Deleted) length += structs[++i].Length;
                (ranges ??= []).Add(new DeleteRange(clock, length));
            }
            if (ranges != null) set.Clients[client] = ranges;
        }
        return set;
    }

    /// <summary>An update v1 with no structs that carries only this delete set.</summary>
    public byte[] ToUpdate()
    {
        var writer = new Lib0Writer();
        writer.WriteVarUInt(0UL);
        Write(writer);
        return writer.ToArray();
    }
}
