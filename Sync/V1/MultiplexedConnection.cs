using System.Collections.Concurrent;
using System.Net.WebSockets;
using System.Text.Json;
using Diaryx.Sync.Lite.Access;
using Diaryx.Sync.Lite.Documents;

namespace Diaryx.Sync.Lite.Sync.V1;

/// <summary>
/// A <c>/sync?multiplexed=true</c> socket: every body document of the workspace, each frame prefixed
/// with its path (<see cref="MultiplexFrame"/>). A path's document is opened (authorised, loaded,
/// joined) on the first frame for it, and from then on this socket gets its changes; the server never
/// starts a sync itself. Progress: <c>sync_progress</c> every <c>clamp(paths/20, 100, 500)</c> answered
/// paths, <c>sync_complete</c> once no new path has come for the quiet period. Focus: <c>focus</c>/<c>unfocus</c>
/// texts change the workspace's focus list, announced to the room as <c>focus_list_changed</c>.
/// </summary>
public sealed class MultiplexedConnection(WebSocket socket, V1Connect connect, SyncV1Services services)
    : SyncV1Connection(socket, connect, services)
{
    private static readonly JoinOptions Options = new() { Greeting = JoinGreeting.None, ReceivesAwareness = false, AnswerStep1WithStep1 = true };

    /// <summary>Hub doc id → the path the client uses for it (read by relays on other threads).</summary>
    private readonly ConcurrentDictionary<string, string> _pathByDocId = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _docIdByPath = new(StringComparer.Ordinal);
    private readonly HashSet<string> _answered = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stopped = new();
    private int _lastProgress;
    private long _lastNewPathTicks;
    private int _subscribed;
    private Task _completion = Task.CompletedTask;

    protected override async Task OpenAsync(CancellationToken cancellationToken)
    {
        // The workspace itself is joined as a follower: the room's texts (focus lists, peers) reach this socket from then on.
        var (grant, _) = await Services.Access.AuthorizeAndJoinAsync(Connect.Credentials, Connect.Grant.Document, _ =>
        {
            Hub.Follow(Connect.WorkspaceId, this);
            return Task.FromResult(true);
        }, cancellationToken);
        if (!grant.IsAllowed)
        {
            Refuse(grant);
            return;
        }
        var focused = Hub.FocusedPaths(Connect.WorkspaceId);
        if (focused.Count > 0) TrySendText(ControlMessages.FocusListChanged(focused));
        _completion = SendSyncCompleteWhenQuietAsync(_stopped.Token);
    }

    protected override async Task OnBinaryAsync(byte[] frame, CancellationToken cancellationToken)
    {
        if (!MultiplexFrame.TryParse(frame, out var path, out var payload, out var error))
        {
            SyncLog.DroppedFrame(Logger, error);
            SendError($"malformed frame dropped: {error}");
            return;
        }
        if (!_docIdByPath.TryGetValue(path, out var docId))
        {
            docId = await OpenPathAsync(path, cancellationToken);
            if (docId == null) return;
        }
        byte[]? reply;
        try
        {
            reply = await ExchangeAsync(docId, payload, path, cancellationToken);
        }
        catch (DocumentUnavailableException exception)
        {
            Forget(docId);
            SendError(exception.Message, path);
            return;
        }
        if (reply == null) return;
        TrySendBinary(MultiplexFrame.Encode(path, reply));
        _answered.Add(path);
        var interval = Math.Clamp(_docIdByPath.Count / 20, 100, 500);
        if (_answered.Count - _lastProgress >= interval)
        {
            _lastProgress = _answered.Count;
            TrySendText(ControlMessages.SyncProgress(_answered.Count, _docIdByPath.Count));
        }
    }

    /// <summary>Authorises and joins the body document of <paramref name="path"/>; null (after an error text) if it may not be opened.</summary>
    private async Task<string?> OpenPathAsync(string path, CancellationToken cancellationToken)
    {
        if (!DocumentId.IsValidPath(path, out var invalid))
        {
            SendError($"invalid path: {invalid}", path);
            return null;
        }
        if (_docIdByPath.Count >= Services.Limits.MaxDocumentsPerConnection)
        {
            SendError($"at most {Services.Limits.MaxDocumentsPerConnection} files per connection", path);
            return null;
        }
        string docId;
        try
        {
            var (grant, joined) = await Services.Access.AuthorizeAndJoinAsync(Connect.Credentials, DocumentId.Body(Connect.WorkspaceId, path),
                granted => JoinPathAsync(path, granted, cancellationToken), cancellationToken);
            if (!grant.IsAllowed)
            {
                SyncLog.Denied(Logger, path, grant.DeniedReason!);
                SendError($"access denied: {grant.DeniedReason}", path);
                return null;
            }
            docId = joined;
        }
        catch (DocumentUnavailableException exception)
        {
            SendError(exception.Message, path);
            return null;
        }
        _docIdByPath[path] = docId;
        Interlocked.Exchange(ref _lastNewPathTicks, Environment.TickCount64);
        Interlocked.Exchange(ref _subscribed, _docIdByPath.Count);
        return docId;
    }

    /// <summary>Joins the body document of a granted path; returns its doc id.</summary>
    private async Task<string> JoinPathAsync(string path, DocumentGrant grant, CancellationToken cancellationToken)
    {
        var docId = grant.Document.ToString();
        _pathByDocId[docId] = path; // the hub frames its first messages during the join
        try
        {
            await Hub.JoinAsync(docId, this, grant.Author, grant.ReadOnly, Options, cancellationToken);
        }
        catch
        {
            _pathByDocId.TryRemove(docId, out _);
            throw;
        }
        return docId;
    }

    private void Forget(string docId)
    {
        if (_pathByDocId.TryRemove(docId, out var path)) _docIdByPath.Remove(path);
    }

    /// <summary><c>sync_complete</c> once, when paths were used and none was new for the quiet period (other traffic does not postpone it).</summary>
    private async Task SendSyncCompleteWhenQuietAsync(CancellationToken cancellationToken)
    {
        var quiet = Services.Options.SyncCompleteQuietPeriod;
        try
        {
            while (true)
            {
                var since = TimeSpan.FromMilliseconds(Environment.TickCount64 - Interlocked.Read(ref _lastNewPathTicks));
                var subscribed = Volatile.Read(ref _subscribed);
                if (subscribed > 0 && since >= quiet)
                {
                    TrySendText(ControlMessages.SyncComplete(subscribed));
                    return;
                }
                await Task.Delay(subscribed > 0 ? quiet - since : quiet, cancellationToken);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    protected override Task OnTextAsync(string text, CancellationToken cancellationToken)
    {
        var type = TypeOf(text, out var root);
        if (type is not ("focus" or "unfocus") || !root.TryGetProperty("files", out var files) || files.ValueKind != JsonValueKind.Array) return Task.CompletedTask;
        var paths = files.EnumerateArray()
            .Where(f => f.ValueKind == JsonValueKind.String)
            .Select(f => f.GetString()!)
            .Where(p => DocumentId.IsValidPath(p, out _))
            .ToList();
        if (Hub.ChangeFocus(Connect.WorkspaceId, this, paths, focused: type == "focus") is { } changed)
        {
            Hub.SendToFollowers(Connect.WorkspaceId, ControlMessages.FocusListChanged(changed));
        }
        return Task.CompletedTask;
    }

    protected override bool SendFromHub(string docId, byte[] message) =>
        !_pathByDocId.TryGetValue(docId, out var path) || TrySendBinary(MultiplexFrame.Encode(path, message));

    protected override void OnDocumentClosed(string docId)
    {
        // Only that file is gone: its next frame opens it again.
        if (_pathByDocId.TryGetValue(docId, out var path)) SendError("the document was closed by the server; send SyncStep1 again", path);
    }

    protected override async Task CloseDocumentsAsync()
    {
        await _stopped.CancelAsync();
        await _completion;
        if (Hub.Unfollow(Connect.WorkspaceId, this) is { } changed) Hub.SendToFollowers(Connect.WorkspaceId, ControlMessages.FocusListChanged(changed));
        foreach (var docId in _pathByDocId.Keys.ToList()) await Hub.LeaveAsync(docId, this);
        _stopped.Dispose();
    }
}
