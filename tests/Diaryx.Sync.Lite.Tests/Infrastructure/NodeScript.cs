using System.Diagnostics;

namespace Diaryx.Sync.Lite.Tests.Infrastructure;

/// <summary>Runs a Node script of <c>tests/node</c> (real yjs) and returns what it printed.</summary>
public static class NodeScript
{
    private static readonly TimeSpan DefaultTimeout = TimeSpan.FromMinutes(2);

    /// <summary>
    /// Runs <c>node oracle/&lt;script&gt; args...</c> in <c>tests/node</c>, writes <paramref name="stdin"/>
    /// to its standard input, and returns standard output. Throws with stderr on a non-zero exit.
    /// </summary>
    public static Task<string> RunOracleAsync(
        string script, IEnumerable<string>? args = null, string? stdin = null, TimeSpan? timeout = null) =>
        RunAsync(Path.Combine("oracle", script), args, stdin, timeout);

    /// <summary>
    /// Runs <c>node &lt;script&gt; args...</c> (a path relative to <c>tests/node</c>) and returns standard output.
    /// </summary>
    public static async Task<string> RunAsync(
        string script, IEnumerable<string>? args = null, string? stdin = null, TimeSpan? timeout = null)
    {
        var startInfo = new ProcessStartInfo("node")
        {
            WorkingDirectory = TestPaths.NodeDir,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        startInfo.ArgumentList.Add(Path.Combine(TestPaths.NodeDir, script));
        foreach (var arg in args ?? [])
        {
            startInfo.ArgumentList.Add(arg);
        }

        using var process = Process.Start(startInfo)
            ?? throw new InvalidOperationException("could not start node");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (stdin is not null)
        {
            await process.StandardInput.WriteAsync(stdin);
        }

        process.StandardInput.Close();

        using var cts = new CancellationTokenSource(timeout ?? DefaultTimeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"node {script} did not finish in {timeout ?? DefaultTimeout}");
        }

        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException(
                $"node {script} exited with {process.ExitCode}:\n{await stderr}");
        }

        return await stdout;
    }
}
