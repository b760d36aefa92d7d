using System.Net.Sockets;
using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Diaryx.Sync.Lite.Sync;

/// <summary>
/// Accepts a WebSocket whose frames are written straight to the connection's socket. ASP.NET's
/// WebSocket writes each frame into Kestrel's output pipe, and a transport thread sends it from
/// there: per relayed message a pipe flush, a hop to that thread and its send loop, which profiling
/// showed as a sixth of the server's CPU in the fan-out benchmark. Reading still goes through
/// Kestrel (its receive loop owns the socket's input). Only a plain HTTP/1.1 upgrade on Kestrel's
/// socket transport qualifies; anything else (TLS, WebSockets over HTTP/2) is accepted by ASP.NET.
/// </summary>
internal static class DirectWebSocket
{
    /// <summary>
    /// Kestrel's socket transport as direct writes need it: a flush of Kestrel's output completes only
    /// once the transport has handed every byte to the socket (the pipe pauses its writer at 2 bytes and
    /// resumes it at 1, that is, empty), so the 101 response that <see cref="IHttpUpgradeFeature.UpgradeAsync"/>
    /// flushes is in the socket before our first frame. HTTP responses wait once per flush for it, which
    /// the API's small responses do not notice.
    /// </summary>
    public static void ConfigureSockets(SocketTransportOptions sockets) => sockets.MaxWriteBufferSize = 2;

    private static readonly byte[] AcceptGuid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"u8.ToArray();

    /// <summary>Accepts the WebSocket request (the caller checked <c>IsWebSocketRequest</c>), with the pings of <see cref="WebSocketOptions"/>.</summary>
    public static async Task<WebSocket> AcceptAsync(HttpContext context)
    {
        if (SocketFor(context) is not { } socket)
        {
            return await context.WebSockets.AcceptWebSocketAsync();
        }

        var options = context.RequestServices.GetRequiredService<IOptions<WebSocketOptions>>().Value;
        context.Response.Headers.Upgrade = "websocket";
        context.Response.Headers.SecWebSocketAccept = AcceptToken(context.Request.Headers.SecWebSocketKey.ToString());
        var stream = new SocketWriteStream(await context.Features.GetRequiredFeature<IHttpUpgradeFeature>().UpgradeAsync(), socket, context);
        var webSocket = WebSocket.CreateFromStream(stream, new WebSocketCreationOptions
        {
            IsServer = true,
            KeepAliveInterval = options.KeepAliveInterval,
            KeepAliveTimeout = options.KeepAliveTimeout,
        });
        stream.WebSocket = webSocket;
        return webSocket;
    }

    /// <summary>The connection's socket if this request's frames can go straight to it: a plain HTTP/1.1 upgrade on Kestrel's sockets.</summary>
    internal static Socket? SocketFor(HttpContext context) =>
        context.Features.Get<IHttpUpgradeFeature>() is { IsUpgradableRequest: true } && !context.Request.IsHttps
            ? context.Features.Get<IConnectionSocketFeature>()?.Socket
            : null;

    /// <summary>Sec-WebSocket-Accept for a client's Sec-WebSocket-Key (RFC 6455 §4.2.2).</summary>
    internal static string AcceptToken(string key)
    {
        Span<byte> hash = stackalloc byte[SHA1.HashSizeInBytes];
        SHA1.HashData([.. Encoding.ASCII.GetBytes(key), .. AcceptGuid], hash);
        return Convert.ToBase64String(hash);
    }

    /// <summary>
    /// Reads through Kestrel's upgraded stream and writes to the socket. ManagedWebSocket writes one
    /// frame at a time (its send lock serializes pings, closes and messages), so writes never overlap.
    /// </summary>
    private sealed class SocketWriteStream(Stream upgraded, Socket socket, HttpContext context) : Stream
    {
        public WebSocket? WebSocket { get; set; }

        public override bool CanRead => true;
        public override bool CanWrite => true;
        public override bool CanSeek => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();

        public override int Read(byte[] buffer, int offset, int count) => upgraded.Read(buffer, offset, count);

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            upgraded.ReadAsync(buffer, offset, count, cancellationToken);

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            upgraded.ReadAsync(buffer, cancellationToken);

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            while (!buffer.IsEmpty) buffer = buffer[socket.Send(buffer)..];
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        /// <summary>Completes at once while the socket's send buffer has room, which is nearly always.</summary>
        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            while (!buffer.IsEmpty) buffer = buffer[await socket.SendAsync(buffer, SocketFlags.None, cancellationToken)..];
        }

        public override void Flush()
        {
        }

        public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        /// <summary>
        /// Kestrel's stream does nothing when disposed (it cannot tell a close from an abort), so an
        /// aborted WebSocket (<see cref="WebSocket.Abort"/>, a ping timeout) aborts the connection here,
        /// as ASP.NET's own accept does.
        /// </summary>
        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                if (WebSocket?.State == WebSocketState.Aborted) context.Abort();
                upgraded.Dispose();
            }
            base.Dispose(disposing);
        }
    }
}
