using System.Buffers.Binary;
using System.Text;
using Diaryx.Sync.Lite.Yjs;

namespace Diaryx.Sync.Lite.Bench;

public static class Replay
{
    /// <summary>The trace as local edits of client 1, one transaction per patch (delete, then insert).</summary>
    public static (YDoc Doc, List<byte[]> Updates) Local(Trace trace, bool collect)
    {
        var doc = new YDoc(clientId: 1);
        var updates = new List<byte[]>(collect ? trace.Count : 0);
        if (collect) doc.Updated += (update, _) => updates.Add(update);
        var text = doc.GetText("text");
        var positions = trace.Positions;
        var deletes = trace.Deletes;
        var inserts = trace.Inserts;
        for (var i = 0; i < positions.Length; i++)
        {
            var pos = positions[i];
            var del = deletes[i];
            var ins = inserts[i];
            doc.Transact(_ =>
            {
                if (del > 0) text.Delete(pos, del);
                if (ins.Length > 0) text.Insert(pos, ins);
            });
        }
        return (doc, updates);
    }

    /// <summary>What the sync server does: every update, in order, into a fresh document.</summary>
    public static YDoc ApplyAll(List<byte[]> updates)
    {
        var doc = new YDoc(clientId: 2);
        foreach (var update in updates) doc.ApplyUpdate(update);
        return doc;
    }

    public static YDoc Decode(byte[] state)
    {
        var doc = new YDoc(clientId: 3);
        doc.ApplyUpdate(state);
        return doc;
    }

    public static void WriteUpdates(string path, List<byte[]> updates)
    {
        using var file = File.Create(path);
        Span<byte> length = stackalloc byte[4];
        foreach (var update in updates)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(length, (uint)update.Length);
            file.Write(length);
            file.Write(update);
        }
    }

    /// <summary>
    /// One checked replay: null when every patch applies and the text ends equal to endContent; else a
    /// precise description: the patch that threw (with the stack trace), or the first patch after which
    /// the text differs from a plain string model (with both texts around the first differing character).
    /// </summary>
    public static string? Check(Trace trace)
    {
        var doc = new YDoc(clientId: 1);
        var text = doc.GetText("text");
        for (var i = 0; i < trace.Count; i++)
        {
            if (Apply(doc, text, trace, i) is { } error) return error;
        }
        if (text.ToString() == trace.EndContent) return null;

        // Coarse pass: the length after every patch, the whole text every 1024 patches; then patch by
        // patch from the last block that was still right.
        var (bad, lastGood, _) = FindDivergence(trace, 0, trace.Count, 1024);
        if (bad < 0) return $"local replay: final text differs from endContent (length {text.Length}, expected {trace.EndContent.Length}), but matches a string model replay of the trace";
        var (first, _, message) = FindDivergence(trace, lastGood, bad + 1, 1);
        return message ?? $"local replay: text wrong after patch {bad}, first wrong patch not found";
    }

    private static string? Apply(YDoc doc, Yjs.Types.YText text, Trace trace, int i)
    {
        var pos = trace.Positions[i];
        var del = trace.Deletes[i];
        var ins = trace.Inserts[i];
        try
        {
            doc.Transact(_ =>
            {
                if (del > 0) text.Delete(pos, del);
                if (ins.Length > 0) text.Insert(pos, ins);
            });
            return null;
        }
        catch (Exception e)
        {
            return $"local replay: patch {i} (0-based) [{pos}, {del}, {Quote(ins)}] threw, text length before {text.Length}: {e}";
        }
    }

    /// <summary>
    /// Replays patches [0, to) next to a StringBuilder model; from <paramref name="from"/> on, compares the
    /// whole text every <paramref name="every"/> patches (and the length after each). Returns the first
    /// patch whose check failed (-1 if none), the index after the last passed full comparison, and a message.
    /// </summary>
    private static (int Bad, int LastGood, string? Message) FindDivergence(Trace trace, int from, int to, int every)
    {
        var doc = new YDoc(clientId: 1);
        var text = doc.GetText("text");
        var model = new StringBuilder();
        var lastGood = from;
        for (var i = 0; i < to; i++)
        {
            if (Apply(doc, text, trace, i) is { } error) return (i, lastGood, error);
            model.Remove(trace.Positions[i], trace.Deletes[i]).Insert(trace.Positions[i], trace.Inserts[i]);
            if (i < from) continue;
            if (text.Length == model.Length && (i - from + 1) % every != 0 && i != to - 1) continue;
            var actual = text.ToString();
            var expected = model.ToString();
            if (actual == expected)
            {
                lastGood = i + 1;
                continue;
            }
            var at = 0;
            while (at < actual.Length && at < expected.Length && actual[at] == expected[at]) at++;
            return (i, lastGood,
                $"local replay: text wrong after patch {i} (0-based) [{trace.Positions[i]}, {trace.Deletes[i]}, {Quote(trace.Inserts[i])}]: " +
                $"length {actual.Length}, expected {expected.Length}; first difference at character {at}: " +
                $"got {Quote(Around(actual, at))}, expected {Quote(Around(expected, at))}");
        }
        return (-1, lastGood, null);
    }

    private static string Around(string s, int at) => s[Math.Max(0, at - 20)..Math.Min(s.Length, at + 20)];

    private static string Quote(string s) => System.Text.Json.Nodes.JsonValue.Create(s).ToJsonString();
}
