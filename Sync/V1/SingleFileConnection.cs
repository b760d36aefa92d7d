using System.Net.WebSockets;
using Diaryx.Sync.Lite.Documents;

namespace Diaryx.Sync.Lite.Sync.V1;

/// <summary>
/// A <c>/sync?file=&lt;path&gt;</c> socket: one body document over plain, unframed y-websocket, which is
/// also what the stock y-websocket WebsocketProvider speaks (room <c>sync</c>, the query as params).
/// The server opens with SyncStep1 (and the awareness states, if there are any); awareness and
/// awareness queries work as on any y-websocket server. No JSON texts either way: bad input closes
/// the socket with 1007.
/// </summary>
public sealed class SingleFileConnection(WebSocket socket, V1Connect connect, SyncV1Services services)
    : SyncV1Connection(socket, connect, services)
{
    private static readonly JoinOptions Options = new()
    {
        Greeting = JoinGreeting.StateVector | JoinGreeting.AwarenessIfAny,
        ReceivesAwareness = true,
        AnswerStep1WithStep1 = true,
    };

    private string? _docId;

    protected override bool ReceivesText => false;

    protected override async Task OpenAsync(CancellationToken cancellationToken)
    {
        var requested = DocumentId.Body(Connect.WorkspaceId, Connect.File!);
        var (grant, _) = await Services.Access.AuthorizeAndJoinAsync(Connect.Credentials, requested, granted =>
        {
            _docId = granted.Document.ToString(); // the hub sends the greeting during the join
            return Hub.JoinAsync(_docId, this, granted.Author, granted.ReadOnly, Options, cancellationToken);
        }, cancellationToken);
        if (!grant.IsAllowed) Refuse(grant);
    }

    protected override async Task OnBinaryAsync(byte[] frame, CancellationToken cancellationToken)
    {
        if (_docId == null) return;
        var reply = await ExchangeAsync(_docId, frame, null, cancellationToken);
        if (reply != null) TrySendBinary(reply);
    }

    protected override bool SendFromHub(string docId, byte[] message) => docId != _docId || TrySendBinary(message);

    protected override async Task CloseDocumentsAsync()
    {
        if (_docId != null) await Hub.LeaveAsync(_docId, this);
    }
}
