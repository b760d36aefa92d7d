using Diaryx.Sync.Lite.Yjs.Lib0;
using Diaryx.Sync.Lite.Yjs.Structs;

namespace Diaryx.Sync.Lite.Yjs.Utils;

/// <summary>
/// Working on update v1 bytes without a document: merging, diffing against a state vector and
/// reading a state vector, byte-identical with yjs's <c>mergeUpdates</c>, <c>diffUpdate</c> and
/// <c>encodeStateVectorFromUpdate</c>.
/// </summary>
public static class Updates
{
    /// <summary>Structs of one update in the order they appear, with an optional Skip filter.</summary>
    private sealed class StructReader(List<AbstractStruct> structs, bool skipSkips)
    {
        private int _next;

        public AbstractStruct? Current { get; private set; }

        public StructReader Start()
        {
            Advance();
            return this;
        }

        public AbstractStruct? Advance()
        {
            do
            {
                Current = _next < structs.Count ? structs[_next++] : null;
            }
            while (skipSkips && Current is SkipStruct);
            return Current;
        }

        public static StructReader For(DecodedUpdate update, bool skipSkips) =>
            new StructReader([.. update.Groups.SelectMany(g => g.Structs)], skipSkips).Start();
    }

    /// <summary>Writes structs grouped by client, each group headed by its struct count.</summary>
    private sealed class GroupedStructWriter
    {
        private readonly Lib0Writer _group = new();
        private readonly List<(int Count, byte[] Bytes)> _groups = [];
        private long _client;
        private int _written;

        public void Write(AbstractStruct item, long offset)
        {
            if (_written > 0 && _client != item.Client) Flush();
            if (_written == 0)
            {
                _client = item.Client;
                _group.WriteVarUInt(item.Client);
                _group.WriteVarUInt(item.Clock + offset);
            }
            item.Write(_group, offset);
            _written++;
        }

        private void Flush()
        {
            if (_written == 0) return;
            _groups.Add((_written, _group.ToArray()));
            _group.Clear();
            _written = 0;
        }

        public void Finish(Lib0Writer writer)
        {
            Flush();
            writer.WriteVarUInt((ulong)_groups.Count);
            foreach (var (count, bytes) in _groups)
            {
                writer.WriteVarUInt((ulong)count);
                writer.WriteBytes(bytes);
            }
        }
    }

    /// <summary>Merges updates into one. Items are never joined here, only GC and Skip runs.</summary>
    public static byte[] Merge(IReadOnlyList<byte[]> updates)
    {
        if (updates.Count == 1) return updates[0];
        var decoded = updates.Select(u => UpdateDecoding.Read(u)).ToList();
        var output = new GroupedStructWriter();

        // yjs re-sorts its decoders (stably) before every step: highest client first, then lowest
        // clock; on a tie the decoder used most recently wins, then the earlier input. A priority
        // queue with that order gives the same sequence without re-sorting.
        var queue = new PriorityQueue<StructReader, (long Client, long Clock, long Seq)>(Comparer<(long Client, long Clock, long Seq)>.Create((a, b) =>
            a.Client != b.Client ? b.Client.CompareTo(a.Client)
            : a.Clock != b.Clock ? a.Clock.CompareTo(b.Clock)
            : b.Seq.CompareTo(a.Seq)));
        for (var i = 0; i < decoded.Count; i++)
        {
            var reader = StructReader.For(decoded[i], skipSkips: true);
            if (reader.Current is { } first) queue.Enqueue(reader, (first.Client, first.Clock, -i));
        }

        AbstractStruct? pending = null; // the struct being built up before it is written
        long pendingOffset = 0;
        long seq = 0;
        while (queue.TryDequeue(out var reader, out _))
        {
            var head = reader.Current!;
            var firstClient = head.Client;
            if (pending != null)
            {
                var curr = head;
                var iterated = false;
                // Skip what has been written already (higher clients come first).
                while (curr != null && curr.End <= pending.End && curr.Client >= pending.Client)
                {
                    curr = reader.Advance();
                    iterated = true;
                }
                if (curr == null || curr.Client != firstClient || (iterated && curr.Clock > pending.End))
                {
                    Requeue(queue, reader, ++seq);
                    continue;
                }
                if (firstClient != pending.Client)
                {
                    output.Write(pending, pendingOffset);
                    (pending, pendingOffset) = (curr, 0);
                    reader.Advance();
                }
                else if (pending.End < curr.Clock)
                {
                    if (pending is SkipStruct)
                    {
                        // Extend the skip over the gap (and, as yjs does, over curr).
                        pending.Length = curr.End - pending.Clock;
                    }
                    else
                    {
                        output.Write(pending, pendingOffset);
                        (pending, pendingOffset) = (new SkipStruct(firstClient, pending.End, curr.Clock - pending.End), 0);
                    }
                }
                else
                {
                    var diff = pending.End - curr.Clock;
                    if (diff > 0)
                    {
                        if (pending is SkipStruct) pending.Length -= diff;
                        else curr = Slice(curr, diff);
                    }
                    if (!pending.TryMergeWith(curr))
                    {
                        output.Write(pending, pendingOffset);
                        (pending, pendingOffset) = (curr, 0);
                        reader.Advance();
                    }
                }
            }
            else
            {
                (pending, pendingOffset) = (head, 0);
                reader.Advance();
            }
            for (var next = reader.Current;
                 next != null && next.Client == firstClient && next.Clock == pending.End && next is not SkipStruct;
                 next = reader.Advance())
            {
                output.Write(pending, pendingOffset);
                (pending, pendingOffset) = (next, 0);
            }
            Requeue(queue, reader, ++seq);
        }
        if (pending != null) output.Write(pending, pendingOffset);

        var writer = new Lib0Writer();
        output.Finish(writer);
        DeleteSet.Merge(decoded.Select(d => d.DeleteSet)).Write(writer);
        return writer.ToArray();
    }

    private static void Requeue(PriorityQueue<StructReader, (long, long, long)> queue, StructReader reader, long seq)
    {
        if (reader.Current is { } current) queue.Enqueue(reader, (current.Client, current.Clock, seq));
    }

    /// <summary>The part of a struct from <paramref name="diff"/> units on, as a standalone struct.</summary>
    private static AbstractStruct Slice(AbstractStruct left, long diff) => left switch
    {
        GcStruct => new GcStruct(left.Client, left.Clock + diff, left.Length - diff),
        SkipStruct => new SkipStruct(left.Client, left.Clock + diff, left.Length - diff),
        Item item => new Item(item.Client, item.Clock + diff, new Id(item.Client, item.Clock + diff - 1), item.RightOrigin, item.Parent, item.ParentSub, item.Content.Splice((int)diff))
        {
            ParentId = item.ParentId,
            ParentName = item.ParentName,
        },
        _ => throw new InvalidOperationException("Unknown struct"),
    };

    /// <summary>What <paramref name="update"/> has beyond <paramref name="stateVector"/>; the delete set is kept whole.</summary>
    public static byte[] Diff(byte[] update, byte[] stateVector)
    {
        var sv = UpdateDecoding.ReadStateVector(stateVector);
        var decoded = UpdateDecoding.Read(update);
        var reader = StructReader.For(decoded, skipSkips: false);
        var output = new GroupedStructWriter();
        while (reader.Current is { } curr)
        {
            var client = curr.Client;
            var svClock = sv.TryGetValue(client, out var known) ? known : 0;
            if (curr is SkipStruct)
            {
                reader.Advance(); // a group never starts with a skip
                continue;
            }
            if (curr.End > svClock)
            {
                output.Write(curr, Math.Max(svClock - curr.Clock, 0));
                for (var next = reader.Advance(); next != null && next.Client == client; next = reader.Advance()) output.Write(next, 0);
            }
            else
            {
                for (var next = reader.Advance(); next != null && next.Client == client && next.End <= svClock; next = reader.Advance()) { }
            }
        }
        var writer = new Lib0Writer();
        output.Finish(writer);
        decoded.DeleteSet.Write(writer);
        return writer.ToArray();
    }

    /// <summary>The state vector an update alone would give: per client, clocks from 0 up to the first gap.</summary>
    public static byte[] StateVectorFromUpdate(byte[] update)
    {
        var decoded = UpdateDecoding.Read(update);
        var entries = new List<(long Client, long Clock)>();
        long? currentClient = null;
        long currentClock = 0;
        var stopCounting = false;
        foreach (var item in decoded.Groups.SelectMany(g => g.Structs))
        {
            if (currentClient == null)
            {
                // yjs counts the very first struct before looking at its kind.
                currentClient = item.Client;
                stopCounting = item.Clock != 0;
                currentClock = stopCounting ? 0 : item.End;
            }
            else if (currentClient != item.Client)
            {
                if (currentClock != 0) entries.Add((currentClient.Value, currentClock));
                currentClient = item.Client;
                currentClock = 0;
                stopCounting = item.Clock != 0;
            }
            if (item is SkipStruct) stopCounting = true;
            if (!stopCounting) currentClock = item.End;
        }
        if (currentClient is { } last && currentClock != 0) entries.Add((last, currentClock));
        var writer = new Lib0Writer();
        writer.WriteVarUInt((ulong)entries.Count);
        foreach (var (client, clock) in entries)
        {
            writer.WriteVarUInt(client);
            writer.WriteVarUInt(clock);
        }
        return writer.ToArray();
    }
}
