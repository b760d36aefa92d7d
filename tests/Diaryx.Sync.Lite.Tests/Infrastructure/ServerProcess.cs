using System.Diagnostics;
using System.Text;

namespace Diaryx.Sync.Lite.Tests.Infrastructure;

/// <summary>
/// The real server as a child process (<c>dotnet diaryx-sync-lite.dll --port N</c>) on a free
/// loopback port, with its own temporary data directory (working directory and <c>--db</c>).
/// stdout and stderr are captured in <see cref="Output"/> for failure messages. Disposing kills
/// the process tree and deletes the data directory.
/// </summary>
public sealed class ServerProcess : IAsyncDisposable
{
    private static readonly TimeSpan DefaultStartTimeout = TimeSpan.FromSeconds(30);

    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly bool _ownsDataDir;

    private ServerProcess(Process process, int port, string dataDir, bool ownsDataDir)
    {
        _process = process;
        Port = port;
        DataDir = dataDir;
        _ownsDataDir = ownsDataDir;
    }

    public int Port { get; }

    /// <summary><c>http://127.0.0.1:{Port}/</c>.</summary>
    public Uri BaseUri => new($"http://127.0.0.1:{Port}/");

    /// <summary>Working directory of the server; holds the SQLite file.</summary>
    public string DataDir { get; }

    /// <summary>The <c>--db</c> path passed to the server.</summary>
    public string DbPath => Path.Combine(DataDir, "diaryx_sync.db");

    public bool HasExited => _process.HasExited;

    /// <summary>The server's process id.</summary>
    public int ProcessId => _process.Id;

    /// <summary>Everything the server printed so far (stdout and stderr interleaved).</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>
    /// Starts the server and waits until <c>GET /health</c> answers 200.
    /// </summary>
    /// <param name="extraArgs">More command-line arguments, appended after host/port/db.</param>
    /// <param name="dataDir">An existing directory to reuse (e.g. a restart after a crash); it is
    /// then not deleted on dispose. Default: a fresh temporary directory.</param>
    public static async Task<ServerProcess> StartAsync(
        IEnumerable<string>? extraArgs = null,
        string? dataDir = null,
        TimeSpan? timeout = null,
        CancellationToken cancellationToken = default)
    {
        var ownsDataDir = dataDir is null;
        dataDir ??= Directory.CreateTempSubdirectory("diaryx-sync-lite-test-").FullName;
        var extra = extraArgs?.ToArray() ?? [];

        // A port picked free can be taken before the server binds it: retry a couple of times.
        for (var attempt = 1; ; attempt++)
        {
            var server = Launch(LoopbackServer.FreePort(), dataDir, ownsDataDir, extra);
            try
            {
                await LoopbackServer.WaitUntilHealthyAsync(server._process, server.Port, timeout ?? DefaultStartTimeout, () => server.Output, cancellationToken);
                return server;
            }
            catch (Exception) when (attempt < 3 && server.HasExited
                                    && server.Output.Contains("address already in use", StringComparison.OrdinalIgnoreCase))
            {
                await server.StopAsync(deleteDataDir: false);
            }
            catch
            {
                await server.DisposeAsync();
                throw;
            }
        }
    }

    /// <summary>An HttpClient whose BaseAddress is this server.</summary>
    public HttpClient CreateClient() => new() { BaseAddress = BaseUri, Timeout = TimeSpan.FromSeconds(30) };

    /// <summary>Sends SIGTERM and waits for the server to exit; returns its exit code.</summary>
    public async Task<int> TerminateAsync(TimeSpan timeout)
    {
        using (var kill = System.Diagnostics.Process.Start("kill", ["-TERM", _process.Id.ToString()]))
        {
            await kill.WaitForExitAsync();
        }
        using var cts = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cts.Token);
        return _process.ExitCode;
    }

    /// <summary>Hard kill (like <c>kill -9</c>) of the server and its children; the data directory stays.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        await _process.WaitForExitAsync();
    }

    public ValueTask DisposeAsync() => new(StopAsync(deleteDataDir: _ownsDataDir));

    private async Task StopAsync(bool deleteDataDir)
    {
        try
        {
            await KillAsync();
        }
        catch (InvalidOperationException)
        {
            // Never started or already reaped.
        }

        _process.Dispose();

        if (deleteDataDir)
        {
            try
            {
                Directory.Delete(DataDir, recursive: true);
            }
            catch (IOException)
            {
                // Best effort: a temp directory left behind is harmless.
            }
        }
    }

    private static ServerProcess Launch(int port, string dataDir, bool ownsDataDir, string[] extraArgs)
    {
        var dll = TestPaths.ServerDll;
        if (!File.Exists(dll))
        {
            throw new FileNotFoundException($"Server build not found next to the tests: {dll}");
        }

        // Through sh, which execs the server (same process id) with SIGXFSZ ignored: under a file-size
        // limit (the disk-full tests) a write then fails as on a full disk instead of killing the process.
        var startInfo = new ProcessStartInfo
        {
            FileName = "/bin/sh",
            WorkingDirectory = dataDir,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        // DOTNET_HOST_PATH: set by `dotnet test`/`dotnet build` to the running dotnet host.
        var dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";
        foreach (var arg in (string[])["-c", "trap '' XFSZ; exec \"$@\"", "sh", dotnet, dll, "--host", "127.0.0.1", "--port", port.ToString(), "--db", Path.Combine(dataDir, "diaryx_sync.db")])
        {
            startInfo.ArgumentList.Add(arg);
        }

        foreach (var arg in extraArgs)
        {
            startInfo.ArgumentList.Add(arg);
        }

        startInfo.Environment["DOTNET_ENVIRONMENT"] = "Production";
        startInfo.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";

        var process = new Process { StartInfo = startInfo, EnableRaisingEvents = true };
        var server = new ServerProcess(process, port, dataDir, ownsDataDir);
        process.OutputDataReceived += (_, e) => server.Append(e.Data);
        process.ErrorDataReceived += (_, e) => server.Append(e.Data);

        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return server;
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }
    }
}
