using System.Diagnostics;
using Diaryx.Sync.Lite.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Diaryx.Sync.Lite.Tests.Reliability;

/// <summary>
/// DESIGN.md §3: an update is in the log before it is relayed, so a <c>kill -9</c> at any moment loses
/// nothing any peer has seen. Real yjs clients on /sync2 and /sync write while the server is killed
/// at random moments, round after round, on the same data directory.
/// </summary>
public sealed class CrashDurabilityTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Every_relayed_update_survives_repeated_SIGKILLs()
    {
        const int rounds = 6;
        var seed = Environment.TickCount;
        var random = new Random(seed);
        output.WriteLine($"seed {seed}");
        var server = SyncServer.With("--idle-unload-seconds", "0");
        await server.InitializeAsync();
        try
        {
            var user = await server.NewUserAsync();
            var observed = new Dictionary<string, HashSet<string>>();
            var clock = Stopwatch.StartNew();
            for (var round = 0; round < rounds; round++)
            {
                var churn = ChurnClients.ChurnAsync(server, user, round);
                var delay = random.Next(600, 2200);
                await Task.Delay(delay);
                await server.Process.KillAsync();
                var result = await churn;
                Assert.True(result.GetProperty("killed").GetBoolean(), $"round {round}: the clients did not see the server go away");
                var roundObserved = ChurnClients.Observed(result);
                output.WriteLine($"round {round}: killed after {delay} ms; {result.GetProperty("written").GetInt32()} written, {roundObserved.Sum(d => d.Value.Count)} observed");
                ChurnClients.Merge(observed, roundObserved);

                ChurnClients.AssertDatabaseIntact(server.Process.DbPath);
                await server.CrashAndRestartAsync();
            }

            var final = await ChurnClients.ReadAsync(server, user);
            var checkedTokens = ChurnClients.AssertContained(observed, final);
            output.WriteLine($"{checkedTokens} relayed updates checked in {clock.Elapsed}");
            Assert.True(checkedTokens > 100, $"too few relayed updates to prove anything ({checkedTokens})");
            ChurnClients.AssertDatabaseIntact(server.Process.DbPath);
        }
        finally
        {
            await server.DisposeAsync();
        }
    }
}
