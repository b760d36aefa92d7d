using System.Collections.Concurrent;
using System.Text;
using Diaryx.Sync.Lite.Configuration;
using Diaryx.Sync.Lite.Documents;
using Diaryx.Sync.Lite.Storage.Snapshots;

namespace Diaryx.Sync.Lite.Storage;

/// <summary>
/// Keeps <c>&lt;workspaces-dir&gt;/&lt;wsid&gt;/</c> a readable markdown copy of each workspace: the same
/// files a snapshot export holds. A workspace is written once it has been quiet for
/// <see cref="QuietPeriod"/>, off the request path, each file atomically (temp file + rename), and
/// files no longer in the workspace are removed. SQLite stays the source of truth.
/// </summary>
public sealed partial class WorkspaceMirror(DocumentHub hub, ServerSettings settings, ILogger<WorkspaceMirror> logger, TimeProvider? time = null)
    : BackgroundService
{
    public static readonly TimeSpan QuietPeriod = TimeSpan.FromSeconds(2);

    /// <summary>How long a workspace whose mirroring failed waits before the next attempt.</summary>
    public static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(10);

    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false);
    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private readonly ConcurrentDictionary<string, DateTimeOffset> _changed = new(StringComparer.Ordinal);

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        hub.DocumentChanged += OnDocumentChanged;
        return base.StartAsync(cancellationToken);
    }

    private void OnDocumentChanged(string docId)
    {
        if (DocumentId.TryParse(docId, out var id, out _)) _changed[id.WorkspaceId] = _time.GetUtcNow();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(250), _time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                var quietSince = _time.GetUtcNow() - QuietPeriod;
                foreach (var (workspaceId, changedAt) in _changed)
                {
                    if (changedAt <= quietSince) await WriteAsync(workspaceId, changedAt, stoppingToken);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>On shutdown: write every workspace that changed and was not written yet (before the hub stops).</summary>
    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        hub.DocumentChanged -= OnDocumentChanged;
        foreach (var (workspaceId, changedAt) in _changed) await WriteAsync(workspaceId, changedAt, CancellationToken.None);
    }

    private async Task WriteAsync(string workspaceId, DateTimeOffset changedAt, CancellationToken cancellationToken)
    {
        try
        {
            var rendered = await SnapshotExporter.RenderAsync(new HubDocumentEditor(hub), workspaceId, cancellationToken);
            var written = Write(Path.Combine(settings.WorkspacesDir, workspaceId), rendered.Files);
            LogWritten(logger, workspaceId, written);
            // A change that came in while writing keeps the workspace queued.
            _changed.TryRemove(new KeyValuePair<string, DateTimeOffset>(workspaceId, changedAt));
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            // Storage or the disk failed (full, locked): try again later, unless a newer change already queued it.
            LogFailed(logger, workspaceId, exception);
            _changed.TryUpdate(workspaceId, _time.GetUtcNow() + RetryDelay - QuietPeriod, changedAt);
        }
    }

    /// <summary>Makes <paramref name="directory"/> hold exactly <paramref name="files"/>; returns how many files were (re)written.</summary>
    internal static int Write(string directory, IReadOnlyList<(string Path, string Content)> files)
    {
        var root = Path.GetFullPath(directory);
        Directory.CreateDirectory(root);
        var keep = new HashSet<string>(StringComparer.Ordinal);
        var written = 0;
        foreach (var (path, content) in files)
        {
            // Paths were validated as relative with no '..'; still, nothing may land outside the root.
            var full = Path.GetFullPath(Path.Combine(root, path));
            if (!full.StartsWith(root + Path.DirectorySeparatorChar, StringComparison.Ordinal)) continue;
            keep.Add(full);
            var bytes = Utf8.GetBytes(content);
            if (File.Exists(full) && File.ReadAllBytes(full).AsSpan().SequenceEqual(bytes)) continue;
            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
            var temp = $"{full}.{Guid.NewGuid():N}.tmp";
            try
            {
                File.WriteAllBytes(temp, bytes);
                File.Move(temp, full, overwrite: true);
            }
            finally
            {
                File.Delete(temp); // a write that failed half-way leaves no stray file (no-op after the move)
            }
            written++;
        }
        foreach (var file in Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories).ToList())
        {
            if (!keep.Contains(file)) File.Delete(file);
        }
        foreach (var folder in Directory.EnumerateDirectories(root, "*", SearchOption.AllDirectories).OrderByDescending(d => d.Length).ToList())
        {
            if (!Directory.EnumerateFileSystemEntries(folder).Any()) Directory.Delete(folder);
        }
        return written;
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Mirrored workspace {WorkspaceId} ({Written} files written)")]
    private static partial void LogWritten(ILogger logger, string workspaceId, int written);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not mirror workspace {WorkspaceId}; SQLite still has everything, retrying later")]
    private static partial void LogFailed(ILogger logger, string workspaceId, Exception exception);
}
