using System.Text.Json.Nodes;
using Diaryx.Sync.Lite.Yjs;

namespace Diaryx.Sync.Lite.Bench;

public static class Memory
{
    /// <summary>
    /// Managed heap held by the document <paramref name="build"/> makes: GC.GetTotalMemory(true) after
    /// full compacting collections, with the document alive, minus the same before. rssBytes (working-set
    /// growth) is informational only: the GC keeps freed segments, so it mostly shows the build's peak.
    /// </summary>
    public static JsonObject Measure(Func<YDoc> build)
    {
        Timing.FullGc();
        var before = GC.GetTotalMemory(forceFullCollection: true);
        var rssBefore = Environment.WorkingSet;
        var doc = build();
        Timing.FullGc();
        var after = GC.GetTotalMemory(forceFullCollection: true);
        var rssAfter = Environment.WorkingSet;
        var length = doc.GetText("text").Length;
        GC.KeepAlive(doc);
        return new JsonObject
        {
            ["bytes"] = after - before,
            ["heapBytes"] = after - before,
            ["extraBytes"] = 0,
            ["rssBytes"] = rssAfter - rssBefore,
            ["length"] = length,
        };
    }
}
