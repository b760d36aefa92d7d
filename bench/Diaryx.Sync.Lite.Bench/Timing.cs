using System.Diagnostics;
using System.Text.Json.Nodes;

namespace Diaryx.Sync.Lite.Bench;

/// <summary>Median, minimum and all timed runs of one scenario, in milliseconds.</summary>
public sealed record TimingStat(double Median, double Min, double[] Runs)
{
    public JsonObject ToJson(JsonObject extra)
    {
        var json = new JsonObject
        {
            ["ms"] = Math.Round(Median, 3),
            ["min"] = Math.Round(Min, 3),
            ["runs"] = new JsonArray([.. Runs.Select(r => (JsonNode)Math.Round(r, 3))]),
        };
        foreach (var (key, value) in extra.ToList())
        {
            extra.Remove(key);
            json[key] = value;
        }
        return json;
    }
}

public static class Timing
{
    public static void FullGc()
    {
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
    }

    /// <summary>One warm-up call, then <paramref name="runs"/> timed calls with a full GC before each; returns the last result.</summary>
    public static (TimingStat Stat, T Result) Run<T>(int runs, Func<T> action)
    {
        var result = action();
        var times = new double[runs];
        for (var i = 0; i < runs; i++)
        {
            result = default!;
            FullGc();
            var start = Stopwatch.GetTimestamp();
            result = action();
            times[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }
        var sorted = times.Order().ToArray();
        var median = sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
        return (new TimingStat(median, sorted[0], times), result);
    }
}
