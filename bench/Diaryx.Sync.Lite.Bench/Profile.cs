using System.Diagnostics;
using Diaryx.Sync.Lite.Yjs;
using Diaryx.Sync.Lite.Yjs.Structs;

namespace Diaryx.Sync.Lite.Bench;

/// <summary>
/// <c>--profile</c>: a coarse breakdown of the local replay with the public API only (Stopwatch,
/// allocation counters, and a look at the text's search marker before each patch), for finding where
/// the engine spends its time. Prints plain text, not the benchmark JSON.
/// </summary>
public static class Profile
{
    public static void Run(Trace trace)
    {
        // Warm up the JIT (and dynamic PGO) first.
        Replay.Local(trace, collect: true);
        Replay.Local(trace, collect: false);

        Console.WriteLine($"trace: {trace.Source}, {trace.Count} patches");
        Timing.FullGc();
        var alloc = GC.GetAllocatedBytesForCurrentThread();
        var start = Stopwatch.GetTimestamp();
        var (_, updates) = Replay.Local(trace, collect: true);
        var withUpdates = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        var allocWith = GC.GetAllocatedBytesForCurrentThread() - alloc;

        Timing.FullGc();
        alloc = GC.GetAllocatedBytesForCurrentThread();
        start = Stopwatch.GetTimestamp();
        Replay.Local(trace, collect: false);
        var withoutUpdates = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        var allocWithout = GC.GetAllocatedBytesForCurrentThread() - alloc;
        Console.WriteLine($"local replay with an Updated handler:    {withUpdates,8:F0} ms, {allocWith / (double)trace.Count,6:F0} B allocated per patch");
        Console.WriteLine($"local replay without (no update encoded): {withoutUpdates,8:F0} ms, {allocWithout / (double)trace.Count,6:F0} B allocated per patch");

        // Per patch: was there a search marker to start from, and how far is the patch from the start
        // of the list (items walked when there is none)? Split the time by that.
        var doc = new YDoc(clientId: 1);
        var text = doc.GetText("text");
        var type = text.Type;
        long noMarker = 0, itemsFromStart = 0, itemsFromMarker = 0, droppedAtCleanup = 0, noneAfterInsert = 0, noneAfterDelete = 0;
        double msNoMarker = 0, msMarker = 0;
        var maxItems = 0L;
        for (var i = 0; i < trace.Count; i++)
        {
            var pos = trace.Positions[i];
            var del = trace.Deletes[i];
            var ins = trace.Inserts[i];
            var marker = type.SearchMarker;
            var fromStart = Walk(type.Start, 0, pos);
            var t0 = Stopwatch.GetTimestamp();
            var hadMarkerBeforeCleanup = false;
            doc.Transact(_ =>
            {
                if (del > 0) text.Delete(pos, del);
                if (ins.Length > 0) text.Insert(pos, ins);
                hadMarkerBeforeCleanup = type.SearchMarker != null;
            });
            var ms = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
            if (hadMarkerBeforeCleanup && type.SearchMarker == null) droppedAtCleanup++;
            else if (!hadMarkerBeforeCleanup && ins.Length > 0) noneAfterInsert++;
            else if (!hadMarkerBeforeCleanup) noneAfterDelete++;
            if (marker == null || pos == 0)
            {
                noMarker++;
                itemsFromStart += fromStart;
                msNoMarker += ms;
            }
            else
            {
                itemsFromMarker += Math.Abs(fromStart - Walk(type.Start, 0, marker.Index));
                msMarker += ms;
            }
            maxItems = Math.Max(maxItems, fromStart);
        }
        var items = 0;
        for (var item = type.Start; item != null; item = item.Right) items++;
        Console.WriteLine($"patches that found no search marker (walk from the start): {noMarker} of {trace.Count} ({100.0 * noMarker / trace.Count:F1} %)");
        Console.WriteLine($"  items walked from the start by those: {itemsFromStart:N0} in all, {itemsFromStart / Math.Max(1.0, noMarker):F0} per patch (max {maxItems:N0}); their time {msNoMarker:F0} ms");
        Console.WriteLine($"  the others: ~{itemsFromMarker / Math.Max(1.0, trace.Count - noMarker):F1} items from the marker per patch; their time {msMarker:F0} ms");
        Console.WriteLine($"why the next patch had no marker: dropped during transaction cleanup (struct merge) {droppedAtCleanup}, none left by Insert {noneAfterInsert}, none left by Delete {noneAfterDelete}");
        Console.WriteLine($"final list: {items:N0} items (live and deleted), text length {text.Length:N0}");
        Console.WriteLine($"updates: {updates.Count}");

        // Server apply: the decode and the integration are not separable from outside; just the totals.
        Timing.FullGc();
        alloc = GC.GetAllocatedBytesForCurrentThread();
        start = Stopwatch.GetTimestamp();
        Replay.ApplyAll(updates);
        Console.WriteLine($"server apply: {Stopwatch.GetElapsedTime(start).TotalMilliseconds:F0} ms, {(GC.GetAllocatedBytesForCurrentThread() - alloc) / (double)updates.Count:F0} B allocated per update");
    }

    /// <summary>
    /// <c>--loop replay|apply [N]</c>: just the hot loop, N times (default 3), for an external sampling
    /// profiler (dotnet-trace collect --profile cpu-sampling -- dotnet diaryx-sync-lite-bench.dll --loop replay).
    /// </summary>
    public static void Loop(Trace trace, string what, int times)
    {
        var (_, updates) = Replay.Local(trace, collect: true);
        for (var i = 0; i < times; i++)
        {
            Timing.FullGc();
            var pause = GC.GetTotalPauseDuration();
            var gcs = (GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2));
            var start = Stopwatch.GetTimestamp();
            if (what == "apply") Replay.ApplyAll(updates);
            else if (what == "replay-discard") ReplayDiscardingUpdates(trace);
            else Replay.Local(trace, collect: what != "replay-no-updates");
            Console.WriteLine($"{what} {i + 1}/{times}: {Stopwatch.GetElapsedTime(start).TotalMilliseconds:F0} ms, GC pauses {(GC.GetTotalPauseDuration() - pause).TotalMilliseconds:F0} ms " +
                              $"(gen0/1/2 collections: {GC.CollectionCount(0) - gcs.Item1}/{GC.CollectionCount(1) - gcs.Item2}/{GC.CollectionCount(2) - gcs.Item3})");
        }
    }

    /// <summary>The local replay with an Updated handler that drops each update (encoded, not kept).</summary>
    private static long ReplayDiscardingUpdates(Trace trace)
    {
        var doc = new YDoc(clientId: 1);
        long bytes = 0;
        doc.Updated += (update, _) => bytes += update.Length;
        var text = doc.GetText("text");
        for (var i = 0; i < trace.Count; i++)
        {
            var pos = trace.Positions[i];
            var del = trace.Deletes[i];
            var ins = trace.Inserts[i];
            doc.Transact(_ =>
            {
                if (del > 0) text.Delete(pos, del);
                if (ins.Length > 0) text.Insert(pos, ins);
            });
        }
        return bytes;
    }

    /// <summary>Items (live or deleted) from <paramref name="item"/> until <paramref name="index"/> live units are passed.</summary>
    private static long Walk(Item? item, int from, int index)
    {
        long steps = 0;
        long at = from;
        for (; item != null && at < index; item = item.Right)
        {
            if (!item.IsDeleted && item.Countable) at += item.Length;
            steps++;
        }
        return steps;
    }
}
