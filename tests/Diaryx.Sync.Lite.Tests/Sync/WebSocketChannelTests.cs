using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using Diaryx.Sync.Lite.Sync;

namespace Diaryx.Sync.Lite.Tests.Sync;

/// <summary>
/// The channel's send path over a real loopback TCP connection: messages go out on the caller's thread
/// while the socket takes them and queue behind a send that waits for a slow reader.
/// </summary>
public sealed class WebSocketChannelTests
{
    /// <summary>A server-side channel and the client WebSocket at the other end of a loopback TCP connection.</summary>
    private sealed class Pair : IAsyncDisposable
    {
        private readonly TcpClient _client = new();
        private Socket? _accepted;

        public WebSocketChannel Channel { get; private set; } = null!;
        public WebSocket Client { get; private set; } = null!;

        public static async Task<Pair> ConnectAsync(SyncOptions options, CancellationToken connection = default)
        {
            var pair = new Pair();
            using var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            var accepting = listener.AcceptSocketAsync();
            await pair._client.ConnectAsync(IPAddress.Loopback, ((IPEndPoint)listener.LocalEndpoint).Port);
            pair._accepted = await accepting;
            var serverSocket = WebSocket.CreateFromStream(new NetworkStream(pair._accepted, ownsSocket: true), isServer: true, subProtocol: null, Timeout.InfiniteTimeSpan);
            pair.Client = WebSocket.CreateFromStream(pair._client.GetStream(), isServer: false, subProtocol: null, Timeout.InfiniteTimeSpan);
            pair.Channel = new WebSocketChannel(serverSocket, options);
            pair.Channel.Start(connection);
            return pair;
        }

        /// <summary>The next whole binary message the client receives.</summary>
        public async Task<byte[]> ReceiveAsync()
        {
            var buffer = new byte[64 * 1024];
            using var message = new MemoryStream();
            while (true)
            {
                var result = await Client.ReceiveAsync(buffer, CancellationToken.None);
                message.Write(buffer, 0, result.Count);
                if (result.EndOfMessage) return message.ToArray();
            }
        }

        public ValueTask DisposeAsync()
        {
            Channel.Abort();
            Client.Abort();
            _client.Dispose();
            _accepted?.Dispose();
            return ValueTask.CompletedTask;
        }
    }

    private static byte[] Message(int sender, int sequence, int size)
    {
        var message = new byte[size];
        BitConverter.TryWriteBytes(message, sender);
        BitConverter.TryWriteBytes(message.AsSpan(4), sequence);
        return message;
    }

    [Fact]
    public async Task Messages_from_many_threads_all_arrive_each_threads_in_order_also_behind_a_slow_reader()
    {
        await using var pair = await Pair.ConnectAsync(new SyncOptions());
        const int senders = 4, perSender = 2000, size = 1024;

        // 8 MB with nobody reading: the socket's buffers fill, so later sends wait and messages queue.
        var sending = Enumerable.Range(0, senders).Select(sender => Task.Run(() =>
        {
            for (var i = 0; i < perSender; i++) Assert.True(pair.Channel.TrySendBinary(Message(sender, i, size)));
        })).ToArray();
        await Task.WhenAll(sending);

        var next = new int[senders];
        for (var received = 0; received < senders * perSender; received++)
        {
            var message = await pair.ReceiveAsync();
            Assert.Equal(size, message.Length);
            var sender = BitConverter.ToInt32(message, 0);
            Assert.Equal(next[sender]++, BitConverter.ToInt32(message, 4));
        }
        Assert.All(next, count => Assert.Equal(perSender, count));
    }

    [Fact]
    public async Task Sending_ends_only_once_everything_queued_before_CompleteSending_was_sent()
    {
        await using var pair = await Pair.ConnectAsync(new SyncOptions());
        for (var i = 0; i < 4000; i++) Assert.True(pair.Channel.TrySendBinary(Message(0, i, 4096)));

        pair.Channel.CompleteSending();
        Assert.False(pair.Channel.TrySendBinary(Message(0, -1, 8)), "nothing is accepted after CompleteSending");
        await Task.Delay(200);
        Assert.False(pair.Channel.SendingEnded.IsCompleted, "16 MB cannot have left while nobody reads");

        for (var i = 0; i < 4000; i++) Assert.Equal(i, BitConverter.ToInt32(await pair.ReceiveAsync(), 4));
        await pair.Channel.SendingEnded.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task A_reader_that_falls_too_far_behind_makes_sends_fail_instead_of_queueing_without_bound()
    {
        await using var pair = await Pair.ConnectAsync(new SyncOptions { SendQueueCapacity = 16 });
        var accepted = 0;
        while (pair.Channel.TrySendBinary(Message(0, accepted, 64 * 1024)))
        {
            accepted++;
            Assert.True(accepted < 10_000, "the queue never filled");
        }

        // What was accepted still arrives, in order; then the channel takes messages again.
        for (var i = 0; i < accepted; i++) Assert.Equal(i, BitConverter.ToInt32(await pair.ReceiveAsync(), 4));
        Assert.True(pair.Channel.TrySendBinary(Message(0, accepted, 8)));
        Assert.Equal(accepted, BitConverter.ToInt32(await pair.ReceiveAsync(), 4));
    }

    [Fact]
    public async Task Cancelling_the_connection_drops_it_also_while_a_send_waits_for_a_peer_that_does_not_read()
    {
        using var connection = new CancellationTokenSource();
        await using var pair = await Pair.ConnectAsync(new SyncOptions(), connection.Token);
        for (var i = 0; i < 4000; i++) Assert.True(pair.Channel.TrySendBinary(Message(0, i, 4096)));
        pair.Channel.CompleteSending();
        await Task.Delay(200);
        Assert.False(pair.Channel.SendingEnded.IsCompleted, "16 MB cannot have left while nobody reads");

        connection.Cancel();

        await pair.Channel.SendingEnded.WaitAsync(TimeSpan.FromSeconds(10));
        await Assert.ThrowsAnyAsync<Exception>(async () => { while (true) await pair.ReceiveAsync(); }); // aborted: the stream breaks off
    }

    [Fact]
    public async Task Received_messages_arrive_whole_in_one_piece_or_many()
    {
        await using var pair = await Pair.ConnectAsync(new SyncOptions());
        var small = Message(1, 1, 100);
        var big = Message(2, 2, 100_000); // over the 16 KB the channel receives at a time
        new Random(7).NextBytes(big.AsSpan(8));
        // A message sent as several WebSocket frames is one message too.
        await pair.Client.SendAsync(big.AsMemory(0, 30_000), WebSocketMessageType.Binary, endOfMessage: false, CancellationToken.None);
        await pair.Client.SendAsync(big.AsMemory(30_000), WebSocketMessageType.Binary, endOfMessage: true, CancellationToken.None);
        await pair.Client.SendAsync(small, WebSocketMessageType.Binary, endOfMessage: true, CancellationToken.None);
        await pair.Client.SendAsync("hi"u8.ToArray(), WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None);

        Assert.Equal(big, (await pair.Channel.ReceiveAsync())!.Value.Data);
        Assert.Equal(small, (await pair.Channel.ReceiveAsync())!.Value.Data);
        Assert.Equal("hi", (await pair.Channel.ReceiveAsync())!.Value.Text);
    }

    [Fact]
    public async Task Cancelling_the_connection_ends_a_receive_that_waits()
    {
        using var connection = new CancellationTokenSource();
        await using var pair = await Pair.ConnectAsync(new SyncOptions(), connection.Token);
        var receiving = pair.Channel.ReceiveAsync().AsTask();
        await Task.Delay(100);
        Assert.False(receiving.IsCompleted);

        connection.Cancel();

        Assert.Null(await receiving.WaitAsync(TimeSpan.FromSeconds(10)));
    }
}
