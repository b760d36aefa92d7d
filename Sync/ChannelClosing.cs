using System.Net.WebSockets;

namespace Diaryx.Sync.Lite.Sync;

internal static class ChannelClosing
{
    /// <summary>
    /// Accepts nothing more to send, sends what is queued (waiting at most five seconds for a slow
    /// peer), then the close frame; the connection's receive loop ends when the client answers it.
    /// </summary>
    public static async Task CloseAfterSendingAsync(this WebSocketChannel channel, WebSocketCloseStatus status, string reason)
    {
        channel.CompleteSending();
        await Task.WhenAny(channel.SendingEnded, Task.Delay(TimeSpan.FromSeconds(5)));
        await channel.CloseAsync(status, reason);
    }
}
