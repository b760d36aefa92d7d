using System.Collections.Concurrent;
using System.Net.WebSockets;
using System.Text.Json;
using Diaryx.Sync.Lite.Access;
using Diaryx.Sync.Lite.Documents;
using Diaryx.Sync.Lite.Yjs;
using Microsoft.Extensions.Logging;

namespace Diaryx.Sync.Lite.Sync.V2;

/// <summary>
/// One <c>/sync2</c> socket: every document multiplexed by doc-id prefix, each authorised on its
/// first frame. Workspace documents may first go through the Files-Ready handshake (manifest,
/// FilesReady, crdt_state, sync_complete), and are authorised again when it completes. Frames are
/// handled one at a time in arrival order. When access is revoked from anyone this connection was
/// granted a document as, it closes.
/// </summary>
public sealed class SyncV2Connection(
    WebSocket socket, Credentials credentials, DocumentHub hub, AccessPolicy access, AccessChanges changes, SyncOptions options, ILogger logger)
{
    /// <summary>
    /// A document this connection has joined, under the id the client uses for it, and the hub's peer
    /// for it: relays are framed with a prefix encoded once, not looked up and encoded per message.
    /// </summary>
    private sealed class OpenDocument(SyncV2Connection connection, string clientId, DocumentGrant grant) : IDocumentPeer
    {
        private readonly byte[] _framePrefix = V2Frame.Prefix(clientId);

        public string ClientId => clientId;

        public DocumentGrant Grant => grant;

        public string HubId { get; } = grant.Document.ToString();

        /// <summary>Set as the socket leaves the document: from then on it has nothing to send.</summary>
        public volatile bool Left;

        bool IDocumentPeer.TrySend(string docId, byte[] message) => Left || connection.TrySendBinary(V2Frame.Encode(_framePrefix, message));

        bool IDocumentPeer.TrySendText(string text) => connection.TrySendText(text);

        void IDocumentPeer.Abort(string reason) => connection.Abort(reason);

        void IDocumentPeer.DocumentClosed(string docId) => connection.Closed(this);
    }

    /// <summary>A workspace document waiting for FilesReady, with the frames that arrived meanwhile.</summary>
    private sealed record PendingDocument(string ClientId, DocumentGrant Grant, List<byte[]> Frames);

    private readonly WebSocketChannel _channel = new(socket, options);
    private readonly ConcurrentDictionary<string, OpenDocument> _open = new(StringComparer.Ordinal);
    private readonly List<PendingDocument> _pending = [];

    /// <summary>Everyone this connection was granted a document as (a token's user and device, a guest of a session).</summary>
    private readonly ConcurrentDictionary<UpdateAuthor, bool> _authors = new();

    private readonly Lock _closeLock = new();
    private volatile Task? _closing;

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        _channel.Start(cancellationToken);
        changes.Revoked += OnRevoked;
        try
        {
            while (await _channel.ReceiveAsync() is { } message)
            {
                if (message.Type == WebSocketMessageType.Binary) await HandleBinaryAsync(message.Data, cancellationToken);
                else await HandleTextAsync(message.Text, cancellationToken);
            }
        }
        finally
        {
            changes.Revoked -= OnRevoked;
            foreach (var document in _open.Values) await LeaveAsync(document);
            await CloseAsync(WebSocketCloseStatus.NormalClosure, "bye");
            await _channel.SendingEnded;
        }
    }

    /// <summary>Closes once, with the first status given (a revocation's, or the normal end).</summary>
    private Task CloseAsync(WebSocketCloseStatus status, string reason)
    {
        lock (_closeLock)
        {
            return _closing ??= _channel.CloseAfterSendingAsync(status, reason);
        }
    }

    private void OnRevoked(Revocation revocation)
    {
        if (!_authors.Keys.Any(revocation.Matches)) return;
        SyncLog.Revoked(logger, revocation.Reason);
        _ = CloseAsync(revocation.CloseStatus, revocation.Reason);
    }

    private async Task HandleBinaryAsync(byte[] frame, CancellationToken cancellationToken)
    {
        if (!V2Frame.TryParse(frame, out var clientId, out var payload))
        {
            SyncLog.DroppedFrame(logger, "unframed binary message");
            return;
        }
        if (_open.TryGetValue(clientId, out var open))
        {
            await HandlePayloadAsync(open, payload, cancellationToken);
            return;
        }
        var pending = _pending.Find(p => p.ClientId == clientId);
        if (pending != null)
        {
            if (pending.Frames.Count < options.MaxQueuedFramesPerHandshake) pending.Frames.Add(payload);
            return;
        }
        await OpenAsync(clientId, payload, cancellationToken);
    }

    private async Task HandlePayloadAsync(OpenDocument document, byte[] payload, CancellationToken cancellationToken)
    {
        try
        {
            await hub.HandleAsync(document.HubId, document, payload, cancellationToken);
        }
        catch (YjsDecodeException exception)
        {
            SyncLog.DroppedFrame(logger, $"{document.ClientId}: {exception.Message}");
            _channel.TrySendText(ControlMessages.Error(document.ClientId, $"malformed message dropped: {exception.Message}"));
        }
        catch (DocumentUnavailableException exception)
        {
            _channel.TrySendText(ControlMessages.Error(document.ClientId, exception.Message));
        }
    }

    private async Task HandlePayloadsAsync(OpenDocument document, List<byte[]> payloads, CancellationToken cancellationToken)
    {
        foreach (var payload in payloads.Where(p => p.Length > 0)) await HandlePayloadAsync(document, payload, cancellationToken);
    }

    /// <summary>The first frame of a document: authorise, then join or start the handshake, then handle the frame.</summary>
    private async Task OpenAsync(string clientId, byte[] payload, CancellationToken cancellationToken)
    {
        if (!DocumentId.TryParse(clientId, out var requested, out var invalid))
        {
            _channel.TrySendText(ControlMessages.Error(clientId, $"invalid document id: {invalid}"));
            return;
        }
        if (_open.Count + _pending.Count >= options.MaxDocumentsPerConnection)
        {
            _channel.TrySendText(ControlMessages.Error(clientId, $"at most {options.MaxDocumentsPerConnection} documents per connection"));
            return;
        }
        try
        {
            var (grant, joined) = await access.AuthorizeAndJoinAsync(credentials, requested,
                granted => StartAsync(clientId, granted, payload, cancellationToken), cancellationToken);
            if (!grant.IsAllowed) Refuse(clientId, grant);
            else if (joined != null) await HandlePayloadsAsync(joined, [payload], cancellationToken);
        }
        catch (DocumentUnavailableException exception)
        {
            _channel.TrySendText(ControlMessages.Error(clientId, exception.Message));
        }
    }

    /// <summary>Joins a granted document; a workspace that needs the Files-Ready handshake gets its opening texts and waits (null).</summary>
    private async Task<OpenDocument?> StartAsync(string clientId, DocumentGrant grant, byte[] payload, CancellationToken cancellationToken)
    {
        if (grant.Document.Kind == DocumentKind.Workspace && await HandshakeAsync(grant, cancellationToken) is { } texts)
        {
            _authors.TryAdd(grant.Author, true);
            foreach (var text in texts) _channel.TrySendText(text);
            _pending.Add(new PendingDocument(clientId, grant, [payload]));
            return null;
        }
        return await JoinAsync(clientId, grant, cancellationToken);
    }

    private void Refuse(string clientId, DocumentGrant grant)
    {
        SyncLog.Denied(logger, clientId, grant.DeniedReason!);
        _channel.TrySendText(ControlMessages.Error(clientId, $"access denied: {grant.DeniedReason}"));
    }

    /// <summary>The Files-Ready opening texts for a workspace, or null when no handshake is needed.</summary>
    private async Task<List<string>?> HandshakeAsync(DocumentGrant grant, CancellationToken cancellationToken)
    {
        var texts = new List<string>();
        if (grant.Session != null) texts.Add(ControlMessages.SessionJoined(grant.Session.Code, grant.ReadOnly, grant.Document.WorkspaceId));
        var files = await hub.ReadAsync(grant.Document.ToString(), doc => WorkspaceFiles.List(doc).Where(f => !f.Deleted).ToList(), cancellationToken);
        if (files.Count == 0 && texts.Count == 0) return null;
        texts.Add(ControlMessages.FileManifest(grant.Document.WorkspaceId, files));
        return texts;
    }

    private async Task<OpenDocument> JoinAsync(string clientId, DocumentGrant grant, CancellationToken cancellationToken)
    {
        _authors.TryAdd(grant.Author, true);
        var document = new OpenDocument(this, clientId, grant);
        var peers = await hub.JoinAsync(document.HubId, document, grant.Author, grant.ReadOnly, cancellationToken);
        _open[clientId] = document;
        await hub.BroadcastTextAsync(document.HubId, ControlMessages.PeerJoined(grant.PeerName, peers), except: document);
        return document;
    }

    private async Task LeaveAsync(OpenDocument document)
    {
        Forget(document);
        var remaining = await hub.LeaveAsync(document.HubId, document);
        await hub.BroadcastTextAsync(document.HubId, ControlMessages.PeerLeft(document.Grant.PeerName, remaining));
    }

    private async Task HandleTextAsync(string text, CancellationToken cancellationToken)
    {
        JsonElement root;
        try
        {
            using var json = JsonDocument.Parse(text);
            root = json.RootElement.Clone();
        }
        catch (JsonException)
        {
            SyncLog.DroppedFrame(logger, "text that is not JSON");
            return;
        }
        if (root.ValueKind != JsonValueKind.Object) return;
        var doc = root.TryGetProperty("doc", out var docProperty) && docProperty.ValueKind == JsonValueKind.String ? docProperty.GetString() : null;
        if (root.TryGetProperty("action", out var action) && action.ValueKind == JsonValueKind.String)
        {
            switch (action.GetString())
            {
                case "leave" when doc != null:
                    _pending.RemoveAll(p => p.ClientId == doc);
                    if (_open.TryGetValue(doc, out var leaving)) await LeaveAsync(leaving);
                    break;
                case "save" when doc != null && _open.TryGetValue(doc, out var saving):
                    await hub.SaveAsync(saving.HubId, cancellationToken);
                    break;
            }
            return;
        }
        if (root.TryGetProperty("type", out var type) && type.ValueKind == JsonValueKind.String && type.GetString() is "FilesReady" or "files_ready")
        {
            await CompleteHandshakeAsync(cancellationToken);
        }
        // focus/unfocus are accepted and need nothing on /sync2; anything else is ignored.
    }

    /// <summary>
    /// FilesReady names no document: it completes the oldest pending workspace. Access may have changed
    /// since its first frame, so it is authorised again; a level that changed is announced, since
    /// <c>session_joined</c> gave the old one.
    /// </summary>
    private async Task CompleteHandshakeAsync(CancellationToken cancellationToken)
    {
        if (_pending.Count == 0) return;
        var pending = _pending[0];
        _pending.RemoveAt(0);
        try
        {
            var (grant, joined) = await access.AuthorizeAndJoinAsync(credentials, pending.Grant.Document, async granted =>
            {
                if (granted.ReadOnly != pending.Grant.ReadOnly) _channel.TrySendText(ControlMessages.ReadOnlyChanged(granted.ReadOnly));
                var (state, filesSynced) = await hub.ReadAsync(granted.Document.ToString(), doc =>
                    (doc.Store.Clients.Count > 0 ? doc.EncodeStateAsUpdate() : null, WorkspaceFiles.List(doc).Count(f => !f.Deleted)), cancellationToken);
                if (state != null) _channel.TrySendText(ControlMessages.CrdtState(state));
                _channel.TrySendText(ControlMessages.SyncComplete(filesSynced));
                return await JoinAsync(pending.ClientId, granted, cancellationToken);
            }, cancellationToken);
            if (!grant.IsAllowed) Refuse(pending.ClientId, grant);
            else await HandlePayloadsAsync(joined, pending.Frames, cancellationToken);
        }
        catch (DocumentUnavailableException exception)
        {
            _channel.TrySendText(ControlMessages.Error(pending.ClientId, exception.Message));
        }
    }

    /// <summary>No longer open under its client id, and nothing more to send for it; false if it already was not.</summary>
    private bool Forget(OpenDocument document)
    {
        document.Left = true;
        return _open.TryRemove(new KeyValuePair<string, OpenDocument>(document.ClientId, document));
    }

    // While closing nothing more is sent: neither is a full queue (which would abort the socket).
    private bool TrySendBinary(byte[] frame) => _channel.TrySendBinary(frame) || _closing != null;

    private bool TrySendText(string text) => _channel.TrySendText(text) || _closing != null;

    private void Abort(string reason)
    {
        SyncLog.Aborted(logger, reason);
        _channel.Abort();
    }

    /// <summary>The hub closed an open document under this socket (storage failed): it is told, and may join again.</summary>
    private void Closed(OpenDocument document)
    {
        if (!Forget(document)) return;
        _channel.TrySendText(ControlMessages.Error(document.ClientId, "the document was closed by the server; send SyncStep1 again to rejoin"));
    }
}
