using System.Buffers;
using System.Net.WebSockets;
using System.Runtime.CompilerServices;
using System.Text;

namespace Diaryx.Sync.Lite.Sync;

/// <summary>A received WebSocket message.</summary>
public readonly record struct IncomingMessage(WebSocketMessageType Type, byte[] Data)
{
    public string Text => Encoding.UTF8.GetString(Data);
}

/// <summary>
/// A WebSocket with a bounded outgoing queue, so that queueing never blocks (a full queue means the
/// peer cannot keep up, and it is dropped), and a receiver that assembles messages up to a size limit.
/// A message queued while nothing is being sent goes out at once on the caller's thread (no hop to
/// a send loop: a relay to many peers costs one socket write each); while a send waits for the peer,
/// later messages queue behind it and the send's continuation sends them in order. A peer that stays
/// silent past <see cref="SyncOptions.FirstMessageTimeout"/> or <see cref="SyncOptions.IdleTimeout"/>
/// is sent a close frame, and dropped if it does not answer in time.
/// </summary>
public sealed class WebSocketChannel
{
    /// <summary>How long a peer has to answer a close frame of ours before the connection is dropped.</summary>
    public static readonly TimeSpan CloseGracePeriod = TimeSpan.FromSeconds(2);

    private readonly WebSocket _socket;
    private readonly SyncOptions _options;
    private readonly TaskCompletionSource _receiveEnded = new(TaskCreationOptions.RunContinuationsAsynchronously);

    // Sending. Invariant: while nothing is being sent (!_sending) the queue is empty.
    private readonly Lock _sendLock = new();
    private readonly Queue<(WebSocketMessageType Type, byte[] Data)> _outgoing = new();
    private readonly TaskCompletionSource _sendingEnded = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private bool _sending;
    private bool _sendingCompleted;
    private long _queuedBytes;

    /// <summary>Fires when the peer has been silent too long; null when no timeout applies (any more).</summary>
    private Timer? _silence;
    private volatile bool _heardFromPeer;

    public WebSocketChannel(WebSocket socket, SyncOptions options)
    {
        _socket = socket;
        _options = options;
        if ((options.FirstMessageTimeout ?? options.IdleTimeout) is { } firstSilence)
        {
            _silence = new Timer(static channel => ((WebSocketChannel)channel!).OnSilence(), this, firstSilence, Timeout.InfiniteTimeSpan);
        }
    }

    /// <summary>Completes once sending has ended: everything queued was sent after <see cref="CompleteSending"/>, or the connection ended.</summary>
    public Task SendingEnded => _sendingEnded.Task;

    /// <summary>
    /// The connection is dropped (<see cref="Abort"/>) when <paramref name="cancellationToken"/> is cancelled.
    /// Sends and receives themselves take no token: a cancellable send costs ManagedWebSocket a slower
    /// path, and a cancellable receive a token registration in it and in Kestrel, for every message;
    /// aborting the socket ends a send or receive that waits just as well.
    /// </summary>
    public void Start(CancellationToken cancellationToken) =>
        cancellationToken.UnsafeRegister(static channel => ((WebSocketChannel)channel!).Abort(), this);

    public bool TrySendBinary(byte[] data) => TryQueue(WebSocketMessageType.Binary, data);

    public bool TrySendText(string text) => TryQueue(WebSocketMessageType.Text, Encoding.UTF8.GetBytes(text));

    /// <summary>Sends or queues a message unless the queue already holds too many messages or bytes.</summary>
    private bool TryQueue(WebSocketMessageType type, byte[] data)
    {
        // Once we have sent our close frame nothing more goes out; the peer is leaving, not too slow.
        if (_socket.State is WebSocketState.CloseSent or WebSocketState.Closed) return true;
        lock (_sendLock)
        {
            if (_sendingCompleted || _outgoing.Count >= _options.SendQueueCapacity || _queuedBytes + data.Length > _options.SendQueueBytes) return false;
            _queuedBytes += data.Length;
            if (_sending)
            {
                _outgoing.Enqueue((type, data));
                return true;
            }
            _sending = true;
        }
        Send(type, data);
        return true;
    }

    /// <summary>Sends the message and then whatever queued meanwhile, on this thread while sends complete at once.</summary>
    private void Send(WebSocketMessageType type, byte[] data)
    {
        while (true)
        {
            ValueTask sent;
            try
            {
                sent = _socket.SendAsync(data.AsMemory(), type, endOfMessage: true, CancellationToken.None);
                if (!sent.IsCompleted)
                {
                    _ = SendWhenPossibleAsync(sent, data.Length);
                    return;
                }
                sent.GetAwaiter().GetResult();
            }
            catch (Exception exception) when (ConnectionEnded(exception))
            {
                EndSending(dropQueued: true);
                return;
            }
            if (!TryTakeNext(data.Length, out type, out data)) return;
        }
    }

    private async Task SendWhenPossibleAsync(ValueTask sending, int length)
    {
        try
        {
            await sending;
        }
        catch (Exception exception) when (ConnectionEnded(exception))
        {
            EndSending(dropQueued: true);
            return;
        }
        if (TryTakeNext(length, out var type, out var data)) Send(type, data);
    }

    /// <summary>After a send of <paramref name="sentLength"/> bytes: the next queued message, or false (nothing is being sent any more).</summary>
    private bool TryTakeNext(int sentLength, out WebSocketMessageType type, out byte[] data)
    {
        lock (_sendLock)
        {
            _queuedBytes -= sentLength;
            if (_outgoing.TryDequeue(out var next))
            {
                (type, data) = next;
                return true;
            }
            _sending = false;
            if (_sendingCompleted) _sendingEnded.TrySetResult();
        }
        (type, data) = (default, []);
        return false;
    }

    /// <summary>Accepts no more messages; sending ends once what is queued has been sent (then close politely).</summary>
    public void CompleteSending() => EndSending(dropQueued: false);

    private void EndSending(bool dropQueued)
    {
        lock (_sendLock)
        {
            _sendingCompleted = true;
            if (dropQueued)
            {
                _outgoing.Clear();
                _sending = false;
            }
            if (_sending) return; // the send in progress ends it when the queue is empty
        }
        _sendingEnded.TrySetResult();
    }

    /// <summary>What a send or receive throws when the connection was closed, aborted or cancelled: the end, not a fault.</summary>
    private static bool ConnectionEnded(Exception exception) =>
        exception is OperationCanceledException or WebSocketException or ObjectDisposedException;

    /// <summary>Drops the connection at once (a peer that cannot keep up, or a protocol violation; the caller logs why).</summary>
    public void Abort()
    {
        EndSending(dropQueued: true);
        _socket.Abort();
    }

    /// <summary>
    /// The next message, or null when the peer closed, the connection broke or a message was too big
    /// (then closed with 1009). A message that arrives in one piece, as nearly all do, is copied out
    /// once; the state machine is pooled: this runs once per message of every socket.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<IncomingMessage?> ReceiveAsync()
    {
        var buffer = ArrayPool<byte>.Shared.Rent(16 * 1024);
        ArrayBufferWriter<byte>? pieces = null;
        try
        {
            while (true)
            {
                var result = await _socket.ReceiveAsync(buffer.AsMemory(), CancellationToken.None);
                if (result.MessageType == WebSocketMessageType.Close) return Ended();
                HeardFromPeer();
                if ((pieces?.WrittenCount ?? 0) + result.Count > _options.MaxMessageBytes)
                {
                    await CloseAsync(WebSocketCloseStatus.MessageTooBig, $"messages are limited to {_options.MaxMessageBytes} bytes");
                    return Ended();
                }
                if (!result.EndOfMessage || pieces != null)
                {
                    pieces ??= new ArrayBufferWriter<byte>();
                    pieces.Write(buffer.AsSpan(0, result.Count));
                    if (!result.EndOfMessage) continue;
                }
                if (_socket.State == WebSocketState.CloseSent)
                {
                    // We have said goodbye (shutdown, a timeout) and only wait for the peer's close: what
                    // it sent before it heard is not applied now (the hub may be stopping); Yjs clients
                    // send it again when they resync on their next connection.
                    pieces = null;
                    continue;
                }
                return new IncomingMessage(result.MessageType, pieces != null ? pieces.WrittenSpan.ToArray() : buffer.AsSpan(0, result.Count).ToArray());
            }
        }
        catch (Exception exception) when (ConnectionEnded(exception))
        {
            return Ended();
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private IncomingMessage? Ended()
    {
        Interlocked.Exchange(ref _silence, null)?.Dispose();
        _receiveEnded.TrySetResult();
        return null;
    }

    /// <summary>Something arrived: restart the idle timeout, or end the first-message one.</summary>
    private void HeardFromPeer()
    {
        if (_silence is not { } silence) return;
        if (_options.IdleTimeout is { } idle)
        {
            _heardFromPeer = true;
            silence.Change(idle, Timeout.InfiniteTimeSpan);
        }
        else if (Interlocked.Exchange(ref _silence, null) is { } done)
        {
            done.Dispose();
        }
    }

    private void OnSilence()
    {
        if (!_heardFromPeer && _options.FirstMessageTimeout is { } first)
        {
            // On /sync2 the first message is what authenticates: a socket that never sends one is refused.
            _ = CloseOrDropAsync(WebSocketCloseStatus.PolicyViolation, $"no message within {Seconds(first)} of connecting");
        }
        else
        {
            // 1001, not an error: a client that is still there may reconnect.
            _ = CloseOrDropAsync(WebSocketCloseStatus.EndpointUnavailable, $"closed after {Seconds(_options.IdleTimeout!.Value)} without a message");
        }
    }

    private static string Seconds(TimeSpan span) => (long)span.TotalSeconds is var seconds && seconds == 1 ? "1 second" : $"{seconds} seconds";

    /// <summary>Sends a close frame now; if the peer has not answered it within <see cref="CloseGracePeriod"/>, drops the connection.</summary>
    private async Task CloseOrDropAsync(WebSocketCloseStatus status, string description)
    {
        if (_socket.State != WebSocketState.Open) return;
        await CloseAsync(status, description);
        await Task.WhenAny(_receiveEnded.Task, Task.Delay(CloseGracePeriod));
        if (!_receiveEnded.Task.IsCompleted) Abort();
    }

    /// <summary>Stops sending and closes the socket politely if it is still open.</summary>
    public async Task CloseAsync(WebSocketCloseStatus status, string description)
    {
        CompleteSending();
        if (_socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
        {
            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                await _socket.CloseOutputAsync(status, description, timeout.Token);
            }
            catch (Exception exception) when (ConnectionEnded(exception))
            {
            }
        }
    }
}
