using System.IO.Compression;
using System.Text.Json;
using Diaryx.Sync.Lite.Tests.Infrastructure;
using Diaryx.Sync.Lite.Yjs;

namespace Diaryx.Sync.Lite.Tests.Yjs;

/// <summary>
/// Replays the real automerge-paper editing trace (Martin Kleppmann, CC BY 4.0, from
/// josephg/editing-traces) as local edits, and as a server applying each edit's update.
/// </summary>
public sealed class TraceReplayTests
{
    private static string TracePath => Path.GetFullPath(Path.Combine(TestPaths.RepoRoot, "..", "shared", "data", "editing-traces", "automerge-paper.json.gz"));

    [Fact]
    public async Task Automerge_paper_trace_ends_with_the_expected_text_and_the_bytes_yjs_produces()
    {
        Assert.True(File.Exists(TracePath), $"editing trace missing at {TracePath}");
        using var json = await JsonDocument.ParseAsync(new GZipStream(File.OpenRead(TracePath), CompressionMode.Decompress));
        var trace = json.RootElement;

        var doc = new YDoc(clientId: 1);
        var updates = new List<byte[]>();
        doc.Updated += (update, _) => updates.Add(update);
        var text = doc.GetText("text");
        foreach (var txn in trace.GetProperty("txns").EnumerateArray())
        {
            foreach (var patch in txn.GetProperty("patches").EnumerateArray())
            {
                var position = patch[0].GetInt32();
                var deleteCount = patch[1].GetInt32();
                var insert = patch[2].GetString()!;
                doc.Transact(_ =>
                {
                    if (deleteCount > 0) text.Delete(position, deleteCount);
                    if (insert.Length > 0) text.Insert(position, insert);
                });
            }
        }
        Assert.Equal(trace.GetProperty("endContent").GetString(), text.ToString());

        var yjs = JsonDocument.Parse(await NodeScript.RunOracleAsync("trace.mjs", [TracePath], timeout: TimeSpan.FromMinutes(5))).RootElement;
        Assert.True(yjs.GetProperty("endContentOk").GetBoolean());
        var state = doc.EncodeStateAsUpdate();
        SessionReplayTests.AssertBytes(Convert.FromBase64String(yjs.GetProperty("state").GetString()!), state, "final state");
        SessionReplayTests.AssertBytes(Convert.FromBase64String(yjs.GetProperty("sv").GetString()!), doc.EncodeStateVector(), "state vector");

        // A server receives the edits one update at a time and must end with the same bytes.
        var server = new YDoc(clientId: 999983);
        foreach (var update in updates) server.ApplyUpdate(update);
        SessionReplayTests.AssertBytes(state, server.EncodeStateAsUpdate(), "server state");

        // Loading the state into a fresh document gives it back unchanged.
        var loaded = new YDoc(clientId: 999983);
        loaded.ApplyUpdate(state);
        Assert.Equal(text.ToString(), loaded.GetText("text").ToString());
        SessionReplayTests.AssertBytes(state, loaded.EncodeStateAsUpdate(), "reloaded state");
    }
}
