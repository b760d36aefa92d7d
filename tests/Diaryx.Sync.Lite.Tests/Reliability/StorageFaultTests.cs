using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Diaryx.Sync.Lite.Tests.Infrastructure;
using Diaryx.Sync.Lite.Tests.Snapshots;
using Microsoft.Data.Sqlite;

namespace Diaryx.Sync.Lite.Tests.Reliability;

/// <summary>
/// Storage breaking under a running server: another process holding the database's write lock, and a
/// full disk (a file-size limit on the server process, so every file write fails). A change made
/// meanwhile reaches no other client and its sender is told; HTTP writes answer 503 with a clear
/// error while reads keep working; nothing half-written is left; once the fault clears the same
/// server stores the change again and the database is intact.
/// </summary>
public sealed class StorageFaultTests
{
    public static TheoryData<string> Faults => ["locked database", "disk full"];

    [Theory]
    [MemberData(nameof(Faults))]
    public async Task A_storage_fault_loses_nothing_shows_nothing_unstored_and_the_server_recovers(string fault)
    {
        var server = SyncServer.With();
        await server.InitializeAsync();
        await using var owned = new OwnedServer(server);
        var user = await owned.NewUserAsync();
        var signals = Directory.CreateTempSubdirectory("diaryx-fault-").FullName;
        try
        {
            var scenario = ReliabilityScenarios.RunAsync("storageFault",
                new { v2url = owned.SyncV2Url, token = user.Token, workspace = user.DefaultWorkspaceId, signals });
            await WaitForAsync(signals, "break.ready", scenario);
            var broken = fault == "locked database" ? HoldWriteLock(owned.Process.DbPath) : await FillDiskAsync(owned.Process);
            try
            {
                await File.WriteAllTextAsync(Path.Combine(signals, "break.go"), "");
                using var http = owned.Process.CreateClient();
                http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", user.Token);
                var import = http.PostAsync($"api/workspaces/{user.DefaultWorkspaceId}/snapshot",
                    new ByteArrayContent(TestZip.Of(("imported.md", "written during the fault"))) { Headers = { ContentType = new("application/zip") } });

                using (var read = await http.GetAsync("api/workspaces"))
                {
                    Assert.Equal(HttpStatusCode.OK, read.StatusCode);
                }
                using (var refused = await import)
                {
                    Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
                    Assert.NotNull(refused.Headers.RetryAfter);
                    var error = JsonDocument.Parse(await refused.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetString();
                    Assert.Contains("Storage is unavailable", error);
                }
                await WaitForAsync(signals, "repair.ready", scenario);
            }
            finally
            {
                await broken.DisposeAsync();
            }
            await File.WriteAllTextAsync(Path.Combine(signals, "repair.go"), "");

            var result = await scenario;
            Assert.Equal("before;", result.GetProperty("watcherDuringFault").GetString());
            Assert.False(owned.Process.HasExited, owned.Process.Output);

            // What the server stored survives a restart; the import that failed left nothing behind.
            await server.TerminateAndRestartAsync();
            var stored = await ReliabilityScenarios.RunAsync("readText",
                new { v2url = owned.SyncV2Url, token = user.Token, id = $"body:{user.DefaultWorkspaceId}/fault/doc.md" });
            Assert.Equal("before;during;", stored.GetProperty("text").GetString());
            using (var http = owned.Process.CreateClient())
            {
                http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", user.Token);
                var export = await http.GetByteArrayAsync($"api/workspaces/{user.DefaultWorkspaceId}/snapshot");
                using var archive = new System.IO.Compression.ZipArchive(new MemoryStream(export));
                Assert.DoesNotContain(archive.Entries, e => e.FullName.EndsWith("imported.md", StringComparison.Ordinal));
            }
            using var check = new SqliteConnection($"Data Source={owned.Process.DbPath};Mode=ReadOnly;Pooling=False");
            check.Open();
            using var integrity = check.CreateCommand();
            integrity.CommandText = "PRAGMA integrity_check;";
            Assert.Equal("ok", integrity.ExecuteScalar());
        }
        finally
        {
            Directory.Delete(signals, recursive: true);
        }
    }

    /// <summary>Another process's write transaction: the server's commits wait out their busy timeout and fail.</summary>
    private static IAsyncDisposable HoldWriteLock(string dbPath)
    {
        var connection = new SqliteConnection($"Data Source={dbPath};Pooling=False");
        connection.Open();
        using (var begin = connection.CreateCommand())
        {
            begin.CommandText = "BEGIN IMMEDIATE;";
            begin.ExecuteNonQuery();
        }
        return new Release(() =>
        {
            connection.Dispose(); // rolls the open transaction back
            return Task.CompletedTask;
        });
    }

    /// <summary>A file-size limit of one byte on the server process: every write to a file fails as on a full disk.</summary>
    private static async Task<IAsyncDisposable> FillDiskAsync(ServerProcess server)
    {
        await PrlimitAsync(server.ProcessId, "1:unlimited");
        return new Release(() => PrlimitAsync(server.ProcessId, "unlimited:unlimited"));
    }

    private static async Task PrlimitAsync(int pid, string fileSize)
    {
        using var prlimit = Process.Start("prlimit", ["--pid", pid.ToString(), $"--fsize={fileSize}"]);
        await prlimit.WaitForExitAsync();
        Assert.Equal(0, prlimit.ExitCode);
    }

    private sealed class Release(Func<Task> release) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync() => await release();
    }

    /// <summary>Waits for the scenario's turn file (failing early if the scenario already failed).</summary>
    private static async Task WaitForAsync(string signals, string file, Task scenario)
    {
        var path = Path.Combine(signals, file);
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!File.Exists(path))
        {
            if (scenario.IsCompleted) await scenario;
            Assert.True(DateTime.UtcNow < deadline, $"the scenario did not reach {file}");
            await Task.Delay(50);
        }
    }
}
