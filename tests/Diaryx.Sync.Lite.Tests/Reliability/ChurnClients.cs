using System.Text.Json;
using Diaryx.Sync.Lite.Access;
using Diaryx.Sync.Lite.Storage;
using Diaryx.Sync.Lite.Tests.Infrastructure;
using Diaryx.Sync.Lite.Tests.Storage;

namespace Diaryx.Sync.Lite.Tests.Reliability;

/// <summary>
/// The clients of tests/node/clients/crash-scenarios.mjs: writers on /sync2 and /sync that keep editing
/// until the server goes away, recording every token some client received from the server.
/// </summary>
internal static class ChurnClients
{
    public const int Documents = 16;
    public const int V1Documents = 4;

    /// <summary>Starts the writers of one round (they stop when their sockets close or after <paramref name="maxMs"/>).</summary>
    public static Task<JsonElement> ChurnAsync(SyncServer server, IssuedToken user, int round, int maxMs = 15000) =>
        RunAsync(server, "churn", new
        {
            v2url = server.SyncV2Url, @base = server.WsBase, token = user.Token, workspace = user.DefaultWorkspaceId,
            docs = Documents, v1docs = V1Documents, round, maxMs,
        });

    /// <summary>Every document's tokens as a fresh reader sees them.</summary>
    public static async Task<Dictionary<string, HashSet<string>>> ReadAsync(SyncServer server, IssuedToken user)
    {
        var result = await RunAsync(server, "read", new { v2url = server.SyncV2Url, token = user.Token, workspace = user.DefaultWorkspaceId, docs = Documents });
        return Tokens(result.GetProperty("tokens"));
    }

    /// <summary>The tokens of a churn result, per document.</summary>
    public static Dictionary<string, HashSet<string>> Observed(JsonElement churn) => Tokens(churn.GetProperty("observed"));

    /// <summary>Asserts that every observed token is in <paramref name="final"/>; returns how many were checked.</summary>
    public static int AssertContained(Dictionary<string, HashSet<string>> observed, Dictionary<string, HashSet<string>> final)
    {
        var checkedTokens = 0;
        foreach (var (docId, tokens) in observed)
        {
            var present = final.GetValueOrDefault(docId) ?? [];
            var missing = tokens.Where(t => !present.Contains(t)).ToList();
            Assert.True(missing.Count == 0, $"{docId}: {missing.Count} relayed updates lost, e.g. {string.Join(", ", missing.Take(5))}");
            checkedTokens += tokens.Count;
        }
        return checkedTokens;
    }

    public static void Merge(Dictionary<string, HashSet<string>> into, Dictionary<string, HashSet<string>> from)
    {
        foreach (var (docId, tokens) in from)
        {
            if (!into.TryGetValue(docId, out var set)) into[docId] = set = [];
            set.UnionWith(tokens);
        }
    }

    /// <summary>Opens the server's database as a restart would (WAL recovery) and runs <c>PRAGMA integrity_check</c>.</summary>
    public static void AssertDatabaseIntact(string dbPath)
    {
        using var database = new SqliteDatabase(dbPath);
        using var connection = database.OpenConnection();
        Assert.Equal("ok", connection.Scalar("PRAGMA integrity_check;"));
    }

    private static Dictionary<string, HashSet<string>> Tokens(JsonElement byDocument) =>
        byDocument.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.EnumerateArray().Select(t => t.GetString()!).ToHashSet());

    private static async Task<JsonElement> RunAsync(SyncServer server, string scenario, object arguments)
    {
        var output = await NodeScript.RunAsync(Path.Combine("clients", "crash-scenarios.mjs"), [scenario, JsonSerializer.Serialize(arguments)], timeout: TimeSpan.FromMinutes(1));
        return JsonDocument.Parse(output).RootElement;
    }
}
