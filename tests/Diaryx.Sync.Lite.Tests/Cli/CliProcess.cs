using System.Diagnostics;
using System.Text;
using Diaryx.Sync.Lite.Tests.Infrastructure;

namespace Diaryx.Sync.Lite.Tests.Cli;

/// <summary>
/// The real server executable (<c>dotnet diaryx-sync-lite.dll ...</c>) as a child process, for
/// command-line tests that need exact exit codes, stdout/stderr and signals. Inherited
/// <c>DIARYX_*</c> variables are removed so only the test's environment applies.
/// </summary>
internal sealed class CliProcess : IDisposable
{
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();

    private CliProcess(Process process) => Process = process;

    public Process Process { get; }

    public string Stdout
    {
        get
        {
            lock (_stdout)
            {
                return _stdout.ToString();
            }
        }
    }

    public string Stderr
    {
        get
        {
            lock (_stderr)
            {
                return _stderr.ToString();
            }
        }
    }

    /// <summary>Starts the executable with <paramref name="args"/> in <paramref name="workingDirectory"/>.</summary>
    public static CliProcess Start(
        IEnumerable<string> args, string workingDirectory, IReadOnlyDictionary<string, string>? environment = null)
    {
        var startInfo = new ProcessStartInfo
        {
            FileName = System.Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet",
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        startInfo.ArgumentList.Add(TestPaths.ServerDll);
        foreach (var arg in args)
        {
            startInfo.ArgumentList.Add(arg);
        }

        foreach (var name in startInfo.Environment.Keys.Where(k => k.StartsWith("DIARYX_", StringComparison.Ordinal)).ToList())
        {
            startInfo.Environment.Remove(name);
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            startInfo.Environment[name] = value;
        }

        startInfo.Environment["DOTNET_ENVIRONMENT"] = "Production";
        startInfo.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";

        var process = new Process { StartInfo = startInfo };
        var cli = new CliProcess(process);
        process.OutputDataReceived += (_, e) => Append(cli._stdout, e.Data);
        process.ErrorDataReceived += (_, e) => Append(cli._stderr, e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return cli;
    }

    /// <summary>Runs a command to completion and returns its exit code and output.</summary>
    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(
        IEnumerable<string> args,
        string workingDirectory,
        IReadOnlyDictionary<string, string>? environment = null,
        TimeSpan? timeout = null)
    {
        using var cli = Start(args, workingDirectory, environment);
        var exitCode = await cli.WaitForExitAsync(timeout ?? TimeSpan.FromSeconds(60));
        return (exitCode, cli.Stdout, cli.Stderr);
    }

    /// <summary>Waits for the process to exit and returns its exit code; kills it and throws on timeout.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await Process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            Process.Kill(entireProcessTree: true);
            throw new TimeoutException($"diaryx-sync-lite did not exit within {timeout}.\nstdout:\n{Stdout}\nstderr:\n{Stderr}");
        }

        // The parameterless overload also waits for the redirected output to be drained.
        await Process.WaitForExitAsync();
        return Process.ExitCode;
    }

    /// <summary>Waits until the server answers <c>GET /health</c> on <paramref name="port"/> from its own socket.</summary>
    public Task WaitUntilHealthyAsync(int port, TimeSpan? timeout = null) =>
        LoopbackServer.WaitUntilHealthyAsync(Process, port, timeout ?? TimeSpan.FromSeconds(30), () => $"stdout:\n{Stdout}\nstderr:\n{Stderr}");

    /// <summary>Sends a real POSIX signal (<c>kill -TERM pid</c>).</summary>
    public async Task SignalAsync(string signal)
    {
        using var kill = System.Diagnostics.Process.Start("kill", [$"-{signal}", Process.Id.ToString()]);
        await kill.WaitForExitAsync();
        Assert.Equal(0, kill.ExitCode);
    }

    public void Dispose()
    {
        try
        {
            if (!Process.HasExited)
            {
                Process.Kill(entireProcessTree: true);
                Process.WaitForExit();
            }
        }
        catch (InvalidOperationException)
        {
            // Never started or already reaped.
        }

        Process.Dispose();
    }

    private static void Append(StringBuilder builder, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (builder)
        {
            builder.Append(line).Append('\n');
        }
    }
}
