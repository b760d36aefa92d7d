using System.Buffers;
using System.Net.WebSockets;
using System.Text;
using System.Threading.Channels;

namespace Diaryx.Sync.Lite.Sync;

/// <summary>A received WebSocket message.</summary>
public readonly record struct IncomingMessage(WebSocketMessageType Type, byte[] Data)
{
    public string Text => Encoding.UTF8.GetString(Data);
}

/// <summary>
/// A WebSocket with a bounded outgoing queue drained by one sender, so that queueing never blocks
/// (a full queue means the peer cannot keep up, and it is dropped), and a receiver that assembles
/// messages up to a size limit.
/// </summary>
public sealed class WebSocketChannel(WebSocket socket, SyncOptions options)
{
    private readonly Channel<(WebSocketMessageType Type, byte[] Data)> _outgoing =
        Channel.CreateBounded<(WebSocketMessageType, byte[])>(new BoundedChannelOptions(options.SendQueueCapacity) { SingleReader = true });
    private readonly CancellationTokenSource _aborted = new();

    public string? AbortReason { get; private set; }

    private long _queuedBytes;

    public bool TrySendBinary(byte[] data) => TryQueue(WebSocketMessageType.Binary, data);

    public bool TrySendText(string text) => TryQueue(WebSocketMessageType.Text, Encoding.UTF8.GetBytes(text));

    /// <summary>Queues a message unless the queue already holds too many messages or bytes.</summary>
    private bool TryQueue(WebSocketMessageType type, byte[] data)
    {
        if (Interlocked.Add(ref _queuedBytes, data.Length) > options.SendQueueBytes || !_outgoing.Writer.TryWrite((type, data)))
        {
            Interlocked.Add(ref _queuedBytes, -data.Length);
            return false;
        }
        return true;
    }

    /// <summary>Accepts no more messages; the send loop ends once it has sent what is queued (then close politely).</summary>
    public void CompleteSending() => _outgoing.Writer.TryComplete();

    /// <summary>Drops the connection at once (a peer that cannot keep up, or a protocol violation).</summary>
    public void Abort(string reason)
    {
        AbortReason ??= reason;
        _outgoing.Writer.TryComplete();
        _aborted.Cancel();
        socket.Abort();
    }

    /// <summary>Sends queued messages until the queue is completed or the connection ends.</summary>
    public async Task SendLoopAsync(CancellationToken cancellationToken)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _aborted.Token);
        try
        {
            await foreach (var (type, data) in _outgoing.Reader.ReadAllAsync(linked.Token))
            {
                await socket.SendAsync(data, type, endOfMessage: true, linked.Token);
                Interlocked.Add(ref _queuedBytes, -data.Length);
            }
        }
        catch (Exception exception) when (exception is OperationCanceledException or WebSocketException or ObjectDisposedException)
        {
        }
    }

    /// <summary>The next message, or null when the peer closed, the connection broke or a message was too big (then closed with 1009).</summary>
    public async Task<IncomingMessage?> ReceiveAsync(CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(16 * 1024);
        var message = new ArrayBufferWriter<byte>();
        try
        {
            while (true)
            {
                var result = await socket.ReceiveAsync(buffer.AsMemory(), cancellationToken);
                if (result.MessageType == WebSocketMessageType.Close) return null;
                if (message.WrittenCount + result.Count > options.MaxMessageBytes)
                {
                    await CloseAsync(WebSocketCloseStatus.MessageTooBig, $"messages are limited to {options.MaxMessageBytes} bytes");
                    return null;
                }
                message.Write(buffer.AsSpan(0, result.Count));
                if (result.EndOfMessage) return new IncomingMessage(result.MessageType, message.WrittenSpan.ToArray());
            }
        }
        catch (Exception exception) when (exception is OperationCanceledException or WebSocketException or ObjectDisposedException)
        {
            return null;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Stops sending and closes the socket politely if it is still open.</summary>
    public async Task CloseAsync(WebSocketCloseStatus status, string description)
    {
        _outgoing.Writer.TryComplete();
        if (socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
        {
            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                await socket.CloseOutputAsync(status, description, timeout.Token);
            }
            catch (Exception exception) when (exception is OperationCanceledException or WebSocketException or ObjectDisposedException)
            {
            }
        }
    }
}
