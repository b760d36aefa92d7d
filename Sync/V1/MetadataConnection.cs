using System.Net.WebSockets;
using System.Security.Cryptography;
using Diaryx.Sync.Lite.Documents;

namespace Diaryx.Sync.Lite.Sync.V1;

/// <summary>
/// A <c>/sync</c> metadata socket (no <c>file</c>, no <c>multiplexed</c>): the workspace document.
/// Guests first get <c>session_joined</c>. An empty workspace (or <c>--v1-handshake off</c>) gets the full
/// state as SyncStep2 at once; otherwise the Files-Ready handshake: <c>file_manifest</c>, binary frames
/// ignored until <c>files_ready</c>/<c>FilesReady</c>, then <c>crdt_state</c>. <c>sync_complete</c> follows the
/// first frame that starts with a SyncStep2. Handshake state, loop guard and everything else are per socket.
/// </summary>
public sealed class MetadataConnection(WebSocket socket, V1Connect connect, SyncV1Services services)
    : SyncV1Connection(socket, connect, services)
{
    private static readonly JoinOptions Synchronized = new() { Greeting = JoinGreeting.FullState, ReceivesAwareness = false, AnswerStep1WithStep1 = true };
    private static readonly JoinOptions AwaitingFilesReady = Synchronized with { Greeting = JoinGreeting.None, ReceivesUpdates = false };

    /// <summary>After files_ready: the whole state as <c>crdt_state</c>, then relays of every later change.</summary>
    private static readonly JoinOptions FilesReady = Synchronized with
    {
        Greeting = JoinGreeting.None,
        GreetingText = doc => ControlMessages.CrdtState(doc.EncodeStateAsUpdate()),
    };

    /// <summary>Remembers which reply each recent frame got, to stop the SyncStep1 ping-pong of Rust clients.</summary>
    private readonly Dictionary<UInt128, UInt128> _answered = [];
    private const int MaxAnswered = 100;

    private bool _awaitingFilesReady;
    private bool _joined;
    private bool _syncCompleteSent;

    private string DocId => Connect.WorkspaceDocId;

    protected override async Task OpenAsync(CancellationToken cancellationToken)
    {
        var (grant, peers) = await Services.Access.AuthorizeAndJoinAsync(Connect.Credentials, Connect.Grant.Document, async granted =>
        {
            if (granted.Session is { } session) TrySendText(ControlMessages.SessionJoined(session.Code, granted.ReadOnly, Connect.WorkspaceId));
            var files = Services.Options.Handshake
                ? await Hub.ReadAsync(DocId, WorkspaceFiles.List, cancellationToken)
                : [];
            if (files.Count > 0)
            {
                _awaitingFilesReady = true;
                TrySendText(ControlMessages.V1FileManifest(files));
            }
            var count = await Hub.JoinAsync(DocId, this, granted.Author, granted.ReadOnly, _awaitingFilesReady ? AwaitingFilesReady : Synchronized, cancellationToken);
            _joined = true;
            Hub.Follow(Connect.WorkspaceId, this);
            return count;
        }, cancellationToken);
        if (!grant.IsAllowed) Refuse(grant);
        else if (Connect.IsGuest) Hub.SendToFollowers(Connect.WorkspaceId, ControlMessages.V1PeerJoined(Connect.GuestId, peers));
    }

    protected override async Task OnBinaryAsync(byte[] frame, CancellationToken cancellationToken)
    {
        if (_awaitingFilesReady)
        {
            SyncLog.DroppedFrame(Logger, "binary frame before files_ready");
            return;
        }
        var reply = await ExchangeAsync(DocId, frame, null, cancellationToken);
        if (reply != null && !IsRepeat(frame, reply)) TrySendBinary(reply);
        if (!_syncCompleteSent && frame.Length > 1 && frame[0] == 0 && frame[1] == 1)
        {
            _syncCompleteSent = true;
            var files = await Hub.ReadAsync(DocId, doc => WorkspaceFiles.List(doc).Count(f => !f.Deleted), cancellationToken);
            TrySendText(ControlMessages.SyncComplete(files));
        }
    }

    /// <summary>True when this exact frame already got this exact reply on this socket (nothing new either way).</summary>
    private bool IsRepeat(byte[] frame, byte[] reply)
    {
        var key = Hash(frame);
        var value = Hash(reply);
        if (_answered.TryGetValue(key, out var previous) && previous == value) return true;
        if (_answered.Count >= MaxAnswered) _answered.Clear();
        _answered[key] = value;
        return false;
    }

    private static UInt128 Hash(byte[] data)
    {
        Span<byte> digest = stackalloc byte[32];
        SHA256.HashData(data, digest);
        return System.Buffers.Binary.BinaryPrimitives.ReadUInt128LittleEndian(digest);
    }

    protected override async Task OnTextAsync(string text, CancellationToken cancellationToken)
    {
        if (TypeOf(text, out _) is not ("files_ready" or "FilesReady") || !_awaitingFilesReady) return;
        // Joining again switches the relays on: changes before it are in crdt_state, changes after it are
        // relayed after it. Authorised again: access may have changed during the handshake.
        var (grant, _) = await Services.Access.AuthorizeAndJoinAsync(Connect.Credentials, Connect.Grant.Document, async granted =>
            await Hub.JoinAsync(DocId, this, granted.Author, granted.ReadOnly, FilesReady, cancellationToken), cancellationToken);
        if (!grant.IsAllowed) Refuse(grant);
        _awaitingFilesReady = false;
    }

    protected override bool SendFromHub(string docId, byte[] message) => docId != DocId || TrySendBinary(message);

    protected override async Task CloseDocumentsAsync()
    {
        Hub.Unfollow(Connect.WorkspaceId, this);
        if (!_joined) return;
        var remaining = await Hub.LeaveAsync(DocId, this);
        // As upstream: a guest whose session ended leaves without peer_left (session_ended said it all).
        if (Connect.IsGuest && !AccessRevoked) Hub.SendToFollowers(Connect.WorkspaceId, ControlMessages.V1PeerLeft(Connect.GuestId, remaining));
    }
}
