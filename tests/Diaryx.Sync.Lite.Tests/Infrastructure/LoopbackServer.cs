using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Diaryx.Sync.Lite.Tests.Infrastructure;

/// <summary>
/// A server process under test on a loopback port: picking the port and waiting until the process
/// serves on it (shared by <see cref="ServerProcess"/> and the command-line tests' process).
/// </summary>
public static class LoopbackServer
{
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>
    /// Polls <c>GET http://127.0.0.1:{port}/health</c> until it answers 200 from a socket
    /// <paramref name="process"/> listens on; throws with <paramref name="output"/> when the process
    /// exits first or <paramref name="timeout"/> passes.
    /// </summary>
    public static async Task WaitUntilHealthyAsync(
        Process process, int port, TimeSpan timeout, Func<string> output, CancellationToken cancellationToken = default)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < timeout)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (process.HasExited)
            {
                throw new InvalidOperationException($"Server exited with code {process.ExitCode} before it was healthy.\n{output()}");
            }

            try
            {
                using var response = await http.GetAsync($"http://127.0.0.1:{port}/health", cancellationToken);
                if (response.StatusCode == HttpStatusCode.OK && IsListening(process.Id, port))
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                // The request timed out; try again.
            }

            await Task.Delay(50, cancellationToken);
        }

        throw new TimeoutException($"Server on port {port} was not healthy after {timeout}.\n{output()}");
    }

    /// <summary>
    /// Whether <paramref name="processId"/> owns the socket listening on <paramref name="port"/> (Linux
    /// /proc). A test picks a free port and then starts its server on it; another test's server can
    /// take the port in between, and then answers the first test's health checks while the first
    /// server fails to bind. So a server counts as up only once the port's listening socket is its own.
    /// </summary>
    public static bool IsListening(int processId, int port)
    {
        var inodes = new HashSet<string>(StringComparer.Ordinal);
        foreach (var table in new[] { "/proc/net/tcp", "/proc/net/tcp6" })
        {
            if (!File.Exists(table)) continue;
            // Columns: sl, local address:port (hex), remote, state (0A: listening), ..., inode (10th).
            foreach (var line in File.ReadLines(table).Skip(1))
            {
                var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                var local = fields[1];
                if (fields[3] == "0A" && Convert.ToInt32(local[(local.LastIndexOf(':') + 1)..], 16) == port) inodes.Add(fields[9]);
            }
        }
        if (inodes.Count == 0) return false;
        try
        {
            return Directory.EnumerateFileSystemEntries($"/proc/{processId}/fd")
                .Select(fd => new FileInfo(fd).LinkTarget)
                .Any(target => target is not null && target.StartsWith("socket:[", StringComparison.Ordinal) && inodes.Contains(target[8..^1]));
        }
        catch (Exception exception) when (exception is DirectoryNotFoundException or IOException or UnauthorizedAccessException)
        {
            return false; // the process is gone (or going)
        }
    }
}
