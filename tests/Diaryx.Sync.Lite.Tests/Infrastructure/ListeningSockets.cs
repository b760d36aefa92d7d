namespace Diaryx.Sync.Lite.Tests.Infrastructure;

/// <summary>
/// Which process listens on a loopback port (Linux /proc). A test picks a free port and then starts
/// its server on it; another test's server can take the port in between, and then answers the first
/// test's health checks while the first server fails to bind. So a server counts as up only once the
/// port's listening socket is its own.
/// </summary>
public static class ListeningSockets
{
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
