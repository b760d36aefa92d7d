using System.Text.Json;
using Diaryx.Sync.Lite.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Diaryx.Sync.Lite.Tests.Reliability;

/// <summary>
/// Hostile clients over both protocols, each next to an honest client on the same document: the
/// server stays up, the honest connection carries on, every bad frame ends in an error text, a close
/// code or a dropped frame, and the document (in memory and in storage) is never corrupted.
/// </summary>
public sealed class HostileInputTests(ITestOutputHelper output)
{
    private static string[] Strings(JsonElement array) => [.. array.EnumerateArray().Select(e => e.GetString()!)];

    [Fact]
    public async Task Fuzzed_truncated_and_oversized_varuint_frames_invalid_ids_and_awareness_floods_over_sync2_corrupt_nothing()
    {
        await using var server = await StartAsync();
        var user = await server.NewUserAsync();
        var result = await ReliabilityScenarios.RunAsync("hostileV2", new { v2url = server.SyncV2Url, token = user.Token, workspace = user.DefaultWorkspaceId, seed = 7 });
        var errors = Strings(result.GetProperty("errors"));
        output.WriteLine($"{result.GetProperty("sent").GetInt32()} hostile payloads, {errors.Length} error texts; distinct: {string.Join(" | ", errors.Select(e => e.Split(':')[0]).Distinct())}");

        Assert.True(result.GetProperty("attackerOpen").GetBoolean(), "a malformed frame is dropped, not a reason to drop the socket");
        Assert.True(result.GetProperty("honestOpen").GetBoolean());
        Assert.Contains(errors, e => e.StartsWith("malformed message dropped", StringComparison.Ordinal));
        Assert.True(errors.Count(e => e.StartsWith("invalid document id", StringComparison.Ordinal)) >= 8, string.Join("\n", errors.Where(e => !e.StartsWith("malformed", StringComparison.Ordinal))));
        Assert.Contains(errors, e => e.Contains("the workspace id is longer than 128 characters", StringComparison.Ordinal));
        var text = result.GetProperty("text").GetString()!;
        // Bit-flipped updates that still decode are legitimate edits (by made-up clients, ordered anywhere).
        Assert.Contains("good;", text);
        Assert.Contains("after;", text);
        Assert.False(server.Process.HasExited);

        // What is stored is what the clients agreed on: reload it after a hard kill.
        Assert.DoesNotContain("fail:", server.Process.Output); // no unhandled exception, no failed write
        await server.Server.CrashAndRestartAsync();
        var reloaded = await ReliabilityScenarios.RunAsync("readText", new { v2url = server.SyncV2Url, token = user.Token, id = $"body:{user.DefaultWorkspaceId}/hostile/v2.md" });
        Assert.Equal(text, reloaded.GetProperty("text").GetString());
    }

    [Fact]
    public async Task An_awareness_flood_of_ever_new_clients_keeps_memory_bounded()
    {
        await using var server = await StartAsync();
        var user = await server.NewUserAsync();
        using var http = server.Process.CreateClient();
        object Churn(int rounds, int firstId) => new { v2url = server.SyncV2Url, token = user.Token, workspace = user.DefaultWorkspaceId, rounds, perRound = 1000, firstId };

        var warmUp = await ReliabilityScenarios.RunAsync("awarenessChurn", Churn(rounds: 20, firstId: 1_000_000));
        var rssAfterWarmUp = ResidentBytes(server.Process.ProcessId);
        var flood = await ReliabilityScenarios.RunAsync("awarenessChurn", Churn(rounds: 300, firstId: 2_000_000));
        var rssAfterFlood = ResidentBytes(server.Process.ProcessId);

        // 300,000 made-up clients: a connection may bring 16 to a document (this one has no state of its own), nothing else stays.
        Assert.Equal(16, warmUp.GetProperty("flood").GetInt32());
        Assert.Equal(16, flood.GetProperty("flood").GetInt32());
        var metrics = await http.GetStringAsync("metrics");
        var remembered = long.Parse(metrics.Split('\n').Single(l => l.StartsWith("diaryx_awareness_clients ", StringComparison.Ordinal)).Split(' ')[1]);
        Assert.InRange(remembered, 0, 4 * 16);
        output.WriteLine($"RSS {rssAfterWarmUp >> 20} MB after 20,000 flood clients, {rssAfterFlood >> 20} MB after 300,000 more");
        Assert.InRange(rssAfterFlood - rssAfterWarmUp, long.MinValue, 32L << 20);
        Assert.False(server.Process.HasExited);
    }

    /// <summary>VmRSS of a process, in bytes.</summary>
    private static long ResidentBytes(int pid) =>
        long.Parse(File.ReadAllLines($"/proc/{pid}/status").Single(l => l.StartsWith("VmRSS:", StringComparison.Ordinal)).Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) * 1024;

    [Fact]
    public async Task Malformed_frames_over_sync_are_dropped_with_an_error_or_close_1007_and_corrupt_nothing()
    {
        await using var server = await StartAsync();
        var user = await server.NewUserAsync();
        var result = await ReliabilityScenarios.RunAsync("hostileV1", new { v2url = server.SyncV2Url, @base = server.WsBase, token = user.Token, workspace = user.DefaultWorkspaceId, seed = 11 });
        var errors = Strings(result.GetProperty("errors"));
        output.WriteLine($"{errors.Length} error texts; distinct: {string.Join(" | ", errors.Select(e => e.Split(':')[0]).Distinct())}");

        Assert.True(result.GetProperty("multiplexedOpen").GetBoolean());
        Assert.True(result.GetProperty("honestOpen").GetBoolean());
        Assert.Contains(errors, e => e.StartsWith("malformed frame dropped", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("malformed message dropped", StringComparison.Ordinal));
        Assert.True(errors.Count(e => e.StartsWith("invalid path", StringComparison.Ordinal)) >= 4, string.Join("\n", errors.Where(e => !e.StartsWith("malformed", StringComparison.Ordinal))));
        Assert.Equal(1007, result.GetProperty("fileClose").GetProperty("code").GetInt32());
        var text = result.GetProperty("text").GetString()!;
        Assert.Contains("good;", text);
        Assert.Contains("v1 after;", text);
        Assert.Contains("after;", text.Replace("v1 after;", ""));

        Assert.DoesNotContain("fail:", server.Process.Output); // no unhandled exception, no failed write
        await server.Server.CrashAndRestartAsync();
        var reloaded = await ReliabilityScenarios.RunAsync("readText", new { v2url = server.SyncV2Url, token = user.Token, id = $"body:{user.DefaultWorkspaceId}/hostile/v1.md" });
        Assert.Equal(text, reloaded.GetProperty("text").GetString());
    }

    [Fact]
    public async Task Thousands_of_documents_on_one_socket_up_to_the_limit_then_each_refused_with_an_error_text()
    {
        await using var server = await StartAsync("--max-docs-per-connection", "2000");
        var user = await server.NewUserAsync();
        var result = await ReliabilityScenarios.RunAsync("docLimit", new { v2url = server.SyncV2Url, token = user.Token, workspace = user.DefaultWorkspaceId, limit = 2000, extra = 5 });
        Assert.Equal(2000, result.GetProperty("synced").GetInt32());
        var refused = result.GetProperty("refused").EnumerateArray().ToList();
        Assert.Equal(5, refused.Count);
        Assert.All(refused, r => Assert.Equal("at most 2000 documents per connection", r.GetProperty("message").GetString()));
        Assert.True(result.GetProperty("open").GetBoolean());
        Assert.False(server.Process.HasExited);
    }

    private static async Task<OwnedServer> StartAsync(params string[] arguments)
    {
        var server = SyncServer.With(["--idle-unload-seconds", "0", .. arguments]);
        await server.InitializeAsync();
        return new OwnedServer(server);
    }
}
