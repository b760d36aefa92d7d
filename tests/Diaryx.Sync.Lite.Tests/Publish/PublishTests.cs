using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Diaryx.Sync.Lite.Tests.Infrastructure;

namespace Diaryx.Sync.Lite.Tests.Publish;

/// <summary>
/// <c>dotnet publish -c Release</c> gives one native executable with SQLite linked in: copied alone
/// into an empty directory it issues a token, starts, serves /health and /sync2, and stops cleanly.
/// (Needs Debian's libsqlite3-dev for the static SQLite archive; .ci/run installs it.)
/// </summary>
public sealed class PublishTests
{
    [Fact]
    public async Task The_published_executable_runs_alone_in_an_empty_directory()
    {
        var publishDir = Directory.CreateTempSubdirectory("diaryx-publish-").FullName;
        var runDir = Directory.CreateTempSubdirectory("diaryx-alone-").FullName;
        try
        {
            var project = Path.Combine(TestPaths.RepoRoot, "Diaryx.Sync.Lite.csproj");
            var publish = await RunAsync(DotNet, ["publish", project, "-c", "Release", "-o", publishDir, "-nologo", "-clp:NoSummary"], TestPaths.RepoRoot, TimeSpan.FromMinutes(10));
            Assert.True(publish.ExitCode == 0, $"publish failed:\n{publish.Output}");
            Assert.DoesNotContain("warning", publish.Output, StringComparison.OrdinalIgnoreCase);

            var executable = Path.Combine(runDir, "diaryx-sync-lite");
            File.Copy(Path.Combine(publishDir, "diaryx-sync-lite"), executable);
            Assert.Equal(["diaryx-sync-lite"], Directory.GetFiles(runDir).Select(Path.GetFileName));
            var ldd = await RunAsync("ldd", [executable], runDir, TimeSpan.FromSeconds(30));
            Assert.DoesNotContain("sqlite", ldd.Output, StringComparison.OrdinalIgnoreCase);

            var token = await RunAsync(executable, ["token", "create", "--email", "alone@example.test", "--db", "alone.db"], runDir, TimeSpan.FromSeconds(30));
            Assert.True(token.ExitCode == 0, token.Output);
            var issued = token.Stdout.Trim();
            Assert.Equal(43, issued.Length);

            var port = FreePort();
            using var server = Process.Start(new ProcessStartInfo(executable, ["--port", port.ToString(), "--db", "alone.db"])
            {
                WorkingDirectory = runDir,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            })!;
            var output = new StringBuilder();
            server.OutputDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
            server.ErrorDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
            server.BeginOutputReadLine();
            server.BeginErrorReadLine();
            try
            {
                using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/") };
                await WaitHealthyAsync(http, server);
                var workspace = await DefaultWorkspaceAsync(Path.Combine(runDir, "alone.db"));
                var scenario = JsonSerializer.Serialize(new { url = $"ws://127.0.0.1:{port}/sync2", token = issued, workspace, clients = 2 });
                var result = JsonDocument.Parse(await NodeScript.RunAsync(Path.Combine("clients", "sync2-scenarios.mjs"), ["converge", scenario])).RootElement;
                Assert.Equal(2, result.GetProperty("files").GetArrayLength());
            }
            finally
            {
                if (!server.HasExited)
                {
                    using (var kill = Process.Start("kill", ["-TERM", server.Id.ToString()])) await kill.WaitForExitAsync();
                    using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
                    await server.WaitForExitAsync(timeout.Token);
                }
            }
            Assert.True(server.ExitCode == 0, $"exit code {server.ExitCode}\n{output}");
        }
        finally
        {
            Directory.Delete(publishDir, recursive: true);
            Directory.Delete(runDir, recursive: true);
        }
    }

    private static string DotNet => Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";

    private static async Task<string> DefaultWorkspaceAsync(string dbPath)
    {
        using var database = new Diaryx.Sync.Lite.Storage.SqliteDatabase(dbPath);
        var accounts = new Diaryx.Sync.Lite.Storage.SqliteAccountStore(database);
        var user = await accounts.IssueTokenAsync("alone@example.test", "tests");
        return user.DefaultWorkspaceId;
    }

    private static async Task WaitHealthyAsync(HttpClient http, Process server)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (DateTime.UtcNow < deadline && !server.HasExited)
        {
            try
            {
                if ((await http.GetAsync("health")).IsSuccessStatusCode) return;
            }
            catch (HttpRequestException)
            {
            }
            await Task.Delay(50);
        }
        Assert.Fail("the published server did not become healthy");
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static async Task<(int ExitCode, string Stdout, string Output)> RunAsync(string fileName, IEnumerable<string> args, string workingDirectory, TimeSpan timeout)
    {
        var startInfo = new ProcessStartInfo(fileName, args)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(startInfo)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout);
        await process.WaitForExitAsync(cts.Token);
        return (process.ExitCode, await stdout, await stdout + await stderr);
    }
}
