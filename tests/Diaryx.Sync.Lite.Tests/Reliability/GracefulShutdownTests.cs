using System.Diagnostics;
using System.Text.Json;
using Diaryx.Sync.Lite.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Diaryx.Sync.Lite.Tests.Reliability;

/// <summary>DESIGN.md §3: SIGTERM while clients write flushes, compacts and exits promptly with nothing lost.</summary>
public sealed class GracefulShutdownTests(ITestOutputHelper output)
{
    [Fact]
    public async Task SIGTERM_under_load_exits_0_within_seconds_with_every_log_folded_and_nothing_lost()
    {
        var server = SyncServer.With("--idle-unload-seconds", "0");
        await server.InitializeAsync();
        try
        {
            var user = await server.NewUserAsync();
            var observed = new Dictionary<string, HashSet<string>>();
            for (var round = 0; round < 2; round++)
            {
                var churn = ChurnClients.ChurnAsync(server, user, round);
                await Task.Delay(1500);
                var stopping = Stopwatch.StartNew();
                var exitCode = await server.Process.TerminateAsync(TimeSpan.FromSeconds(20));
                stopping.Stop();
                var result = await churn;
                output.WriteLine($"round {round}: exit {exitCode} after {stopping.ElapsedMilliseconds} ms; {result.GetProperty("written").GetInt32()} written; close codes {result.GetProperty("closeCodes")}");
                Assert.Equal(0, exitCode);
                Assert.True(stopping.Elapsed < TimeSpan.FromSeconds(5), $"shutdown took {stopping.Elapsed}\n{server.Process.Output}");
                Assert.True(result.GetProperty("killed").GetBoolean(), "the clients' sockets were not closed by the shutdown");
                ChurnClients.Merge(observed, ChurnClients.Observed(result));

                ChurnClients.AssertDatabaseIntact(server.Process.DbPath);
                await server.CrashAndRestartAsync(); // already exited: just starts again on the same data
                for (var i = 0; i < ChurnClients.Documents; i++)
                {
                    Assert.Equal((true, 0), await server.StoredAsync($"body:{user.DefaultWorkspaceId}/crash/d{i}.md"));
                }
            }

            var checkedTokens = ChurnClients.AssertContained(observed, await ChurnClients.ReadAsync(server, user));
            output.WriteLine($"{checkedTokens} relayed updates checked");
            Assert.True(checkedTokens > 100, $"too few relayed updates to prove anything ({checkedTokens})");
        }
        finally
        {
            await server.DisposeAsync();
        }
    }

    [Fact]
    public async Task SIGTERM_closes_open_sockets_with_1001_going_away()
    {
        var server = SyncServer.With();
        await server.InitializeAsync();
        try
        {
            var user = await server.NewUserAsync();
            var clients = ReliabilityScenarios.RunAsync("shutdownClose", new { v2url = server.SyncV2Url, @base = server.WsBase, token = user.Token, workspace = user.DefaultWorkspaceId });
            using (var http = server.Process.CreateClient())
            {
                while (await OpenConnectionsAsync(http) < 2)
                {
                    Assert.False(clients.IsCompleted, "the clients ended before the server stopped");
                    await Task.Delay(50);
                }
            }

            Assert.Equal(0, await server.Process.TerminateAsync(TimeSpan.FromSeconds(20)));
            var closes = (await clients).GetProperty("closes").EnumerateArray().ToList();
            Assert.Equal(2, closes.Count);
            foreach (var close in closes)
            {
                Assert.Equal((1001, "server shutting down"), (close.GetProperty("code").GetInt32(), close.GetProperty("reason").GetString()));
            }
        }
        finally
        {
            await server.DisposeAsync();
        }
    }

    private static async Task<int> OpenConnectionsAsync(HttpClient http) =>
        JsonDocument.Parse(await http.GetStringAsync("api/status")).RootElement.GetProperty("active_connections").GetInt32();
}
