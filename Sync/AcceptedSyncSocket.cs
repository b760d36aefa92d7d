using System.Net.WebSockets;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;

namespace Diaryx.Sync.Lite.Sync;

/// <summary>
/// An accepted <c>/sync</c> or <c>/sync2</c> WebSocket and <see cref="Ended"/>, the token its
/// connection runs with. On shutdown the socket gets a close frame with 1001 (Going Away) at once, so
/// clients see the server leave rather than a broken connection (1006); a connection still running
/// <see cref="WebSocketChannel.CloseGracePeriod"/> later (its peer did not answer) is cancelled, which
/// drops it. A client that disconnects needs no token: its socket fails, and what it sent in full
/// before is still applied, rather than cut off half-way.
/// </summary>
internal sealed class AcceptedSyncSocket : IDisposable
{
    private readonly CancellationTokenSource _ended = new();
    private readonly CancellationTokenRegistration _stopping;

    private AcceptedSyncSocket(WebSocket socket, IHostApplicationLifetime lifetime)
    {
        Socket = socket;
        _stopping = lifetime.ApplicationStopping.Register(static accepted => ((AcceptedSyncSocket)accepted!).OnStopping(), this);
    }

    public WebSocket Socket { get; }

    /// <summary>Cancelled when the connection is to be dropped (cancelling a WebSocket operation aborts the socket).</summary>
    public CancellationToken Ended => _ended.Token;

    public static async Task<AcceptedSyncSocket> AcceptAsync(HttpContext context, IHostApplicationLifetime lifetime) =>
        new(await DirectWebSocket.AcceptAsync(context), lifetime);

    private void OnStopping()
    {
        _ended.CancelAfter(WebSocketChannel.CloseGracePeriod);
        _ = CloseForShutdownAsync();
    }

    /// <summary>The peer answers with its own close frame, which ends the connection's receive loop.</summary>
    private async Task CloseForShutdownAsync()
    {
        try
        {
            await Socket.CloseOutputAsync(WebSocketCloseStatus.EndpointUnavailable, "server shutting down", CancellationToken.None);
        }
        catch (Exception exception) when (exception is WebSocketException or ObjectDisposedException or OperationCanceledException)
        {
            // Already closed or aborted.
        }
    }

    public void Dispose()
    {
        _stopping.Dispose(); // waits for a running OnStopping, so _ended is never used once disposed
        _ended.Dispose();
        Socket.Dispose();
    }
}
