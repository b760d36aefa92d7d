using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using Diaryx.Sync.Lite.Sync;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Diaryx.Sync.Lite.Tests.Sync;

/// <summary>
/// WebSockets whose frames go straight to the socket, on a real Kestrel over loopback: the handshake
/// still comes first, messages go both ways, closes and aborts still end the connection.
/// </summary>
public sealed class DirectWebSocketTests : IAsyncLifetime
{
    private static readonly byte[] Greeting = "hello"u8.ToArray();

    private WebApplication _app = null!;
    private readonly TaskCompletionSource<bool> _wroteDirectly = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private Uri ServerUri => new(Addresses.First());

    private Uri Http2ServerUri => new(Addresses.Last());

    private ICollection<string> Addresses => _app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses;

    /// <summary>
    /// Kestrel as the server configures it, with one endpoint that greets at once (racing the 101
    /// unless it is on the wire first), then echoes; "abort" aborts the socket, a close is answered.
    /// </summary>
    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseSockets(DirectWebSocket.ConfigureSockets);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(IPAddress.Loopback, 0);
            // HTTP/2 (prior knowledge), which WebSockets can use too (RFC 8441): no socket of their own to write to.
            kestrel.Listen(IPAddress.Loopback, 0, endpoint => endpoint.Protocols = HttpProtocols.Http2);
        });
        builder.Logging.ClearProviders();
        _app = builder.Build();
        _app.UseWebSockets();
        _app.Map("/ws", async (HttpContext context) =>
        {
            _wroteDirectly.TrySetResult(DirectWebSocket.SocketFor(context) is not null);
            using var socket = await DirectWebSocket.AcceptAsync(context);
            await socket.SendAsync(Greeting, WebSocketMessageType.Binary, endOfMessage: true, CancellationToken.None);
            var buffer = new byte[1024];
            while (true)
            {
                var received = await socket.ReceiveAsync(buffer, CancellationToken.None);
                if (received.MessageType == WebSocketMessageType.Close)
                {
                    await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "bye", CancellationToken.None);
                    return;
                }
                if (Encoding.UTF8.GetString(buffer, 0, received.Count) == "abort")
                {
                    socket.Abort();
                    return;
                }
                await socket.SendAsync(buffer.AsMemory(0, received.Count), received.MessageType, received.EndOfMessage, CancellationToken.None);
            }
        });
        await _app.StartAsync();
    }

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public void The_accept_token_is_RFC_6455s()
    {
        // The worked example of RFC 6455 §1.3.
        Assert.Equal("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", DirectWebSocket.AcceptToken("dGhlIHNhbXBsZSBub25jZQ=="));
    }

    [Fact]
    public async Task Kestrel_upgrades_write_to_the_socket_and_messages_go_both_ways()
    {
        using var client = await ConnectAsync();
        Assert.True(await _wroteDirectly.Task);
        Assert.Equal(Greeting, await ReceiveAsync(client));

        for (var size = 1; size <= 256 * 1024; size *= 8)
        {
            var message = Enumerable.Range(0, size).Select(i => (byte)i).ToArray();
            await client.SendAsync(message, WebSocketMessageType.Binary, endOfMessage: true, CancellationToken.None);
            Assert.Equal(message, await ReceiveAsync(client));
        }

        await client.CloseAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
        Assert.Equal(WebSocketCloseStatus.NormalClosure, client.CloseStatus);
        Assert.Equal("bye", client.CloseStatusDescription);
    }

    /// <summary>The server greets the moment the upgrade returns; every client must still read the 101 first.</summary>
    [Fact]
    public async Task The_handshake_response_is_on_the_wire_before_the_first_frame()
    {
        var port = ServerUri.Port;
        await Parallel.ForAsync(0, 200, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (_, _) =>
        {
            // A frame before the 101 would leave this waiting for the end of the headers: bounded.
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            using var tcp = new TcpClient();
            await tcp.ConnectAsync(IPAddress.Loopback, port);
            var stream = tcp.GetStream();
            var key = Convert.ToBase64String(Guid.NewGuid().ToByteArray());
            await stream.WriteAsync(Encoding.ASCII.GetBytes(
                $"GET /ws HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"));

            var received = new List<byte>();
            var buffer = new byte[1024];
            int headerEnd;
            while ((headerEnd = IndexOf(received, "\r\n\r\n"u8)) < 0 || received.Count < headerEnd + 4 + 2 + Greeting.Length)
            {
                var count = await stream.ReadAsync(buffer, timeout.Token);
                Assert.NotEqual(0, count);
                received.AddRange(buffer.AsSpan(0, count));
            }
            var head = Encoding.ASCII.GetString(received.ToArray(), 0, headerEnd);
            Assert.StartsWith("HTTP/1.1 101 ", head);
            Assert.Contains($"Sec-WebSocket-Accept: {DirectWebSocket.AcceptToken(key)}", head, StringComparison.OrdinalIgnoreCase);
            // An unmasked binary frame, FIN set, 5 bytes: "hello".
            Assert.Equal([0x82, (byte)Greeting.Length, .. Greeting], received.Skip(headerEnd + 4).ToArray());
        });
    }

    [Fact]
    public async Task A_WebSocket_over_HTTP_2_is_accepted_by_ASP_NET_and_works_the_same()
    {
        using var handler = new SocketsHttpHandler();
        using var invoker = new HttpMessageInvoker(handler);
        using var client = new ClientWebSocket();
        client.Options.HttpVersion = HttpVersion.Version20;
        client.Options.HttpVersionPolicy = HttpVersionPolicy.RequestVersionExact;
        await client.ConnectAsync(new UriBuilder(Http2ServerUri) { Scheme = "ws", Path = "/ws" }.Uri, invoker, CancellationToken.None);

        Assert.False(await _wroteDirectly.Task);
        Assert.Equal(Greeting, await ReceiveAsync(client));
        await client.SendAsync("echo"u8.ToArray(), WebSocketMessageType.Binary, endOfMessage: true, CancellationToken.None);
        Assert.Equal("echo"u8.ToArray(), await ReceiveAsync(client));
        await client.CloseAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
        Assert.Equal("bye", client.CloseStatusDescription);
    }

    [Fact]
    public async Task An_aborted_socket_drops_the_connection()
    {
        using var client = await ConnectAsync();
        Assert.Equal(Greeting, await ReceiveAsync(client));
        await client.SendAsync("abort"u8.ToArray(), WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var ended = await Assert.ThrowsAsync<WebSocketException>(() => client.ReceiveAsync(new byte[16], timeout.Token));
        Assert.Equal(WebSocketError.ConnectionClosedPrematurely, ended.WebSocketErrorCode);
    }

    private async Task<ClientWebSocket> ConnectAsync()
    {
        var client = new ClientWebSocket();
        await client.ConnectAsync(new UriBuilder(ServerUri) { Scheme = "ws", Path = "/ws" }.Uri, CancellationToken.None);
        return client;
    }

    private static async Task<byte[]> ReceiveAsync(WebSocket client)
    {
        var buffer = new byte[512 * 1024];
        var message = new MemoryStream();
        while (true)
        {
            var result = await client.ReceiveAsync(buffer, CancellationToken.None);
            message.Write(buffer, 0, result.Count);
            if (result.EndOfMessage) return message.ToArray();
        }
    }

    private static int IndexOf(List<byte> bytes, ReadOnlySpan<byte> value) =>
        System.Runtime.InteropServices.CollectionsMarshal.AsSpan(bytes).IndexOf(value);
}
