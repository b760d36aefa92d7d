using System.Net.WebSockets;
using System.Text.Json;
using Diaryx.Sync.Lite.Access;
using Diaryx.Sync.Lite.Documents;
using Diaryx.Sync.Lite.Yjs;
using Microsoft.Extensions.Logging;

namespace Diaryx.Sync.Lite.Sync.V1;

/// <summary>What every <c>/sync</c> connection needs: the hub, access and its live changes, limits, logging.</summary>
public sealed record SyncV1Services(DocumentHub Hub, AccessPolicy Access, AccessChanges Changes, SyncOptions Limits, SyncV1Options Options, ILogger Logger);

/// <summary>
/// One <c>/sync</c> socket, bound at connect to one workspace (<see cref="V1Connect"/>). Frames are
/// handled one at a time in arrival order. Every reply the hub produces for one incoming frame goes
/// out as one binary frame (so a SyncStep1 is answered by <c>SyncStep2 ‖ SyncStep1</c>, as v1 clients
/// expect); changes by others arrive as relays. Subclasses map the mode's frames onto hub calls.
/// Each mode authorises again as it opens (access may have changed since the upgrade was admitted),
/// and the socket closes when access is revoked from its user, device or share session.
/// </summary>
public abstract class SyncV1Connection(WebSocket socket, V1Connect connect, SyncV1Services services) : IDocumentPeer
{
    private readonly Lock _replyLock = new();
    private string? _replyDocId;
    private List<byte[]>? _replies;
    private volatile bool _closing;
    private WebSocketCloseStatus _closeStatus = WebSocketCloseStatus.NormalClosure;
    private string _closeReason = "bye";
    private readonly Lock _closeLock = new();
    private Task? _closed;

    protected WebSocketChannel Channel { get; } = new(socket, services.Limits);
    protected V1Connect Connect { get; } = connect;
    protected DocumentHub Hub => services.Hub;
    protected SyncV1Services Services => services;
    protected ILogger Logger => services.Logger;

    /// <summary>Whether this kind of socket carries JSON texts at all (plain y-websocket single-file sockets do not).</summary>
    protected virtual bool ReceivesText => true;

    /// <summary>Access was revoked from whoever this socket acts for (its session ended, its device was removed...): it is closing.</summary>
    protected bool AccessRevoked { get; private set; }

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        Channel.Start(cancellationToken);
        Services.Changes.Revoked += OnRevoked;
        try
        {
            await OpenAsync(cancellationToken);
            while (!_closing && await Channel.ReceiveAsync() is { } message)
            {
                if (message.Type == WebSocketMessageType.Binary) await OnBinaryAsync(message.Data, cancellationToken);
                else if (ReceivesText) await OnTextAsync(message.Text, cancellationToken);
            }
        }
        catch (DocumentUnavailableException exception)
        {
            // The workspace or file could not be opened (storage failed): say so and close.
            SendError(exception.Message);
            _closeStatus = WebSocketCloseStatus.InternalServerError;
            _closeReason = "document unavailable";
        }
        finally
        {
            Services.Changes.Revoked -= OnRevoked;
            await CloseDocumentsAsync();
            await CloseNowAsync();
        }
    }

    private void OnRevoked(Revocation revocation)
    {
        if (!revocation.Matches(Connect.Grant.Author)) return;
        SyncLog.Revoked(Logger, revocation.Reason);
        AccessRevoked = true;
        lock (_closeLock)
        {
            if (_closed == null) Close(revocation.CloseStatus, revocation.Reason); // else the socket is already closing
        }
        _ = CloseNowAsync();
    }

    /// <summary>Joins what the mode needs and sends the opening messages.</summary>
    protected abstract Task OpenAsync(CancellationToken cancellationToken);

    protected abstract Task OnBinaryAsync(byte[] frame, CancellationToken cancellationToken);

    protected virtual Task OnTextAsync(string text, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Leaves every document and room on the way out.</summary>
    protected abstract Task CloseDocumentsAsync();

    /// <summary>Frames and queues a hub message (a relay or greeting) of <paramref name="docId"/>; false only if the queue is full.</summary>
    protected abstract bool SendFromHub(string docId, byte[] message);

    /// <summary>
    /// Hands one payload to the hub and returns all the hub's replies to it concatenated (null if
    /// none). A malformed payload is reported with one <c>error</c> text (or, on sockets without texts,
    /// closes the socket with 1007); replies to the messages before it are still returned.
    /// </summary>
    protected async Task<byte[]?> ExchangeAsync(string docId, byte[] payload, string? clientDocName, CancellationToken cancellationToken)
    {
        lock (_replyLock)
        {
            _replyDocId = docId;
            _replies = [];
        }
        List<byte[]> replies;
        try
        {
            await Hub.HandleAsync(docId, this, payload, cancellationToken);
        }
        catch (YjsDecodeException exception)
        {
            SyncLog.DroppedFrame(Logger, $"{docId}: {exception.Message}");
            ReportMalformed(clientDocName, $"malformed message dropped: {exception.Message}");
        }
        finally
        {
            lock (_replyLock)
            {
                replies = _replies!;
                _replyDocId = null;
                _replies = null;
            }
        }
        if (replies.Count == 0) return null;
        if (replies.Count == 1) return replies[0];
        var frame = new byte[replies.Sum(r => r.Length)];
        var offset = 0;
        foreach (var reply in replies)
        {
            reply.CopyTo(frame, offset);
            offset += reply.Length;
        }
        return frame;
    }

    /// <summary>One clear error for bad input: a JSON <c>error</c> text, or where the socket carries no text, close 1007.</summary>
    protected void ReportMalformed(string? clientDocName, string message)
    {
        if (ReceivesText)
        {
            SendError(message, clientDocName);
            return;
        }
        Close(WebSocketCloseStatus.InvalidPayloadData, message);
    }

    protected void SendError(string message, string? clientDocName = null)
    {
        if (ReceivesText) Channel.TrySendText(ControlMessages.Error(clientDocName, message));
    }

    /// <summary>Stops reading; the connection then leaves its documents and closes with this status.</summary>
    protected void Close(WebSocketCloseStatus status, string reason)
    {
        _closeStatus = status;
        _closeReason = reason.Length > 120 ? reason[..120] : reason;
        _closing = true;
    }

    /// <summary>Refuses the socket's document: it closes with 1008 and the reason.</summary>
    protected void Refuse(DocumentGrant grant)
    {
        SyncLog.Denied(Logger, grant.Document.ToString(), grant.DeniedReason!);
        Close(WebSocketCloseStatus.PolicyViolation, $"access denied: {grant.DeniedReason}");
    }

    /// <summary>Sends what is queued, then the close frame with the status of <see cref="Close"/>; only the first call closes.</summary>
    private Task CloseNowAsync()
    {
        lock (_closeLock)
        {
            return _closed ??= Channel.CloseAfterSendingAsync(_closeStatus, _closeReason);
        }
    }

    /// <summary>Reads a JSON object's string <c>type</c> (null for anything else).</summary>
    protected static string? TypeOf(string text, out JsonElement root)
    {
        root = default;
        try
        {
            using var json = JsonDocument.Parse(text);
            root = json.RootElement.Clone();
        }
        catch (JsonException)
        {
            return null;
        }
        return root.ValueKind == JsonValueKind.Object && root.TryGetProperty("type", out var type) && type.ValueKind == JsonValueKind.String ? type.GetString() : null;
    }

    protected bool TrySendBinary(byte[] frame) => Channel.TrySendBinary(frame) || _closing;

    protected bool TrySendText(string text) => Channel.TrySendText(text) || _closing;

    bool IDocumentPeer.TrySend(string docId, byte[] message)
    {
        lock (_replyLock)
        {
            // While the hub handles one of our frames, what it sends us for that document is a reply.
            if (_replyDocId == docId)
            {
                _replies!.Add(message);
                return true;
            }
        }
        return SendFromHub(docId, message);
    }

    bool IDocumentPeer.TrySendText(string text) => !ReceivesText || TrySendText(text);

    void IDocumentPeer.Abort(string reason)
    {
        SyncLog.Aborted(Logger, reason);
        Channel.Abort();
    }

    void IDocumentPeer.DocumentClosed(string docId) => OnDocumentClosed(docId);

    /// <summary>The hub closed a document under us (storage failed). By default the socket closes; the client reconnects.</summary>
    protected virtual void OnDocumentClosed(string docId)
    {
        if (_closing) return; // already closing (its access was revoked, say): let it finish cleanly
        Close(WebSocketCloseStatus.InternalServerError, "document closed by the server");
        Channel.Abort();
    }
}
