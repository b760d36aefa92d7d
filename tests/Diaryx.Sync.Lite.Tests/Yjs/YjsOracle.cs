using System.Text.Json;
using System.Text.Json.Nodes;
using Diaryx.Sync.Lite.Tests.Infrastructure;
using Diaryx.Sync.Lite.Yjs;

namespace Diaryx.Sync.Lite.Tests.Yjs;

/// <summary>What real yjs reports after applying a sequence of updates to a fresh document.</summary>
internal sealed record OracleResult(byte[] StateVector, byte[] State, string Json, bool Pending, string? Error);

/// <summary>Runs update sequences through real yjs (tests/node/oracle/apply.mjs).</summary>
internal static class YjsOracle
{
    public static async Task<OracleResult> ApplyAsync(IEnumerable<byte[]> updates, bool gc = true) =>
        (await ApplyManyAsync([(updates, gc)]))[0];

    /// <summary>Applies several independent sequences in one Node process.</summary>
    public static async Task<IReadOnlyList<OracleResult>> ApplyManyAsync(IEnumerable<(IEnumerable<byte[]> Updates, bool Gc)> jobs)
    {
        var input = new JsonArray([.. jobs.Select(job => (JsonNode)new JsonObject
        {
            ["gc"] = job.Gc,
            ["updates"] = new JsonArray([.. job.Updates.Select(u => (JsonNode)JsonValue.Create(Convert.ToBase64String(u))!)]),
        })]);
        var output = await NodeScript.RunOracleAsync("apply.mjs", stdin: input.ToJsonString());
        return [.. JsonDocument.Parse(output).RootElement.EnumerateArray().Select(r => new OracleResult(
            Convert.FromBase64String(r.GetProperty("sv").GetString()!),
            Convert.FromBase64String(r.GetProperty("state").GetString()!),
            r.GetProperty("json").GetString()!,
            r.GetProperty("pending").GetBoolean(),
            r.GetProperty("error").ValueKind == JsonValueKind.Null ? null : r.GetProperty("error").GetString()))];
    }

    /// <summary>Applies <paramref name="updates"/> to a fresh document of ours and to yjs and asserts both agree.</summary>
    public static async Task<YDoc> AssertSameAsYjsAsync(IReadOnlyList<byte[]> updates, bool gc = true)
    {
        var doc = new YDoc(clientId: 999983, gc: gc);
        foreach (var update in updates) doc.ApplyUpdate(update);
        AssertSame(await ApplyAsync(updates, gc), doc, "after the same updates");
        return doc;
    }

    public static void AssertSame(OracleResult yjs, YDoc doc, string where)
    {
        Assert.Null(yjs.Error);
        SessionReplayTests.AssertBytes(yjs.StateVector, doc.EncodeStateVector(), where + ": state vector");
        SessionReplayTests.AssertBytes(yjs.State, doc.EncodeStateAsUpdate(), where + ": state");
        Assert.Equal(yjs.Json, CanonicalJson.OfDoc(doc));
        Assert.Equal(yjs.Pending, doc.Store.HasPending);
    }
}

/// <summary>A few of our documents acting as clients, each recording the updates it produced.</summary>
internal sealed class Peers
{
    public Peers(bool gc, params long[] clientIds)
    {
        foreach (var id in clientIds)
        {
            var doc = new YDoc(id, gc);
            var log = new List<byte[]>();
            doc.Updated += (update, transaction) =>
            {
                if (transaction.Local) log.Add(update);
            };
            Docs.Add(doc);
            Logs.Add(log);
        }
    }

    public List<YDoc> Docs { get; } = [];

    /// <summary>The updates each document produced by its own edits.</summary>
    public List<List<byte[]>> Logs { get; } = [];

    public YDoc this[int i] => Docs[i];

    public IEnumerable<byte[]> AllUpdates => Logs.SelectMany(l => l);

    /// <summary>Sends <paramref name="to"/> what it lacks from <paramref name="from"/> (a SyncStep1/SyncStep2 exchange).</summary>
    public void Sync(int from, int to) => Docs[to].ApplyUpdate(Docs[from].EncodeStateAsUpdate(Docs[to].EncodeStateVector()));

    public void SyncAll()
    {
        for (var i = 0; i < Docs.Count; i++)
        {
            for (var j = 0; j < Docs.Count; j++)
            {
                if (i != j) Sync(i, j);
            }
        }
    }
}
