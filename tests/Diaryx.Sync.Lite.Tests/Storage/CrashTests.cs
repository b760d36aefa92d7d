using System.Diagnostics;
using Diaryx.Sync.Lite.Documents;
using Diaryx.Sync.Lite.Storage;
using Xunit.Abstractions;

namespace Diaryx.Sync.Lite.Tests.Storage;

/// <summary>
/// kill -9 while appends stream in: every append whose task had completed (and was reported) must
/// be in the file when it is opened again, with its id, document and bytes.
/// </summary>
public sealed class CrashTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Appends_acknowledged_before_SIGKILL_survive_it()
    {
        using var dir = new StorageTestDirectory();
        var testAssembly = typeof(CrashTests).Assembly.Location;
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("exec");
        start.ArgumentList.Add(testAssembly);
        start.Environment["DOTNET_STARTUP_HOOKS"] = testAssembly;
        start.Environment[CrashWriter.DbVariable] = dir.DbPath;

        using var child = Process.Start(start)!;
        var stderr = child.StandardError.ReadToEndAsync();
        var acked = new Dictionary<int, long>();
        var killed = false;
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            while (await child.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
            {
                if (line.StartsWith("ack ", StringComparison.Ordinal))
                {
                    var parts = line.Split(' ');
                    acked[int.Parse(parts[1])] = long.Parse(parts[2]);
                }

                if (!killed && acked.Count >= 5000)
                {
                    child.Kill(); // SIGKILL on Unix: no flush, no dispose, no finalizers
                    killed = true;
                }
            }
        }
        finally
        {
            if (!child.HasExited)
            {
                child.Kill(entireProcessTree: true);
            }
        }

        await child.WaitForExitAsync();
        Assert.True(killed, $"the writer ended before it was killed (exit {child.ExitCode}): {await stderr}");
        Assert.Equal(128 + 9, child.ExitCode); // killed by SIGKILL
        output.WriteLine($"{acked.Count} acknowledged appends before SIGKILL");

        // Reopen as a restarted server would (WAL recovery happens here).
        using var db = new SqliteDatabase(dir.DbPath);
        using (var connection = db.OpenConnection())
        {
            Assert.Equal("ok", connection.Scalar("PRAGMA integrity_check;"));
        }

        await using var store = new SqliteDocumentStore(db);
        var stored = new Dictionary<(string Doc, long Id), byte[]>();
        foreach (var doc in await store.ListAsync("body:crash/"))
        {
            foreach (var update in (await store.LoadAsync(doc)).Updates)
            {
                stored[(doc, update.Id)] = update.Data;
            }
        }

        output.WriteLine($"{stored.Count} rows in the file (committed; some perhaps not yet acknowledged)");
        foreach (var (seq, id) in acked)
        {
            Assert.True(stored.TryGetValue((CrashWriter.DocId(seq), id), out var data), $"acknowledged append {seq} (id {id}) is missing");
            Assert.Equal(CrashWriter.Payload(seq), data);
        }

        // The log is usable after the crash.
        var after = await store.AppendAsync(CrashWriter.DocId(0), [1], UpdateAuthor.Server);
        Assert.True(after > stored.Keys.Where(key => key.Doc == CrashWriter.DocId(0)).Max(key => key.Id));
    }
}
