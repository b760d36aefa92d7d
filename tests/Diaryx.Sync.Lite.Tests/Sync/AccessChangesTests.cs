using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using Diaryx.Sync.Lite.Access;
using Diaryx.Sync.Lite.Cli;
using Diaryx.Sync.Lite.Configuration;
using Diaryx.Sync.Lite.Documents;
using Diaryx.Sync.Lite.Storage;
using Diaryx.Sync.Lite.Sync;
using Diaryx.Sync.Lite.Sync.V1;
using Diaryx.Sync.Lite.Tests.Infrastructure;
using Diaryx.Sync.Lite.Yjs;
using Diaryx.Sync.Lite.Yjs.Lib0;
using Diaryx.Sync.Lite.Yjs.Protocols;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace Diaryx.Sync.Lite.Tests.Sync;

/// <summary>
/// Live share-session changes (what PATCH/DELETE /api/sessions/{code} call) against the real app
/// hosted in-process, with real /sync sockets: guests hear <c>read_only_changed</c> and lose (or
/// regain) write access at once; <c>session_ended</c> closes their sockets.
/// </summary>
public sealed class AccessChangesTests : IAsyncLifetime
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), $"diaryx-share-{Guid.NewGuid():N}");
    private WebApplication _app = null!;
    private int _port;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(Path.Combine(_dir, "workspaces"));
        _port = LoopbackServer.FreePort();
        var settings = new ServerSettings("127.0.0.1", _port, Path.Combine(_dir, "diaryx_sync.db"), Path.Combine(_dir, "workspaces"),
            new Uri("http://localhost:5173"), [], Dev: false, Smtp: null, TimeSpan.FromDays(30), TimeSpan.FromMinutes(15),
            IdleUnload: TimeSpan.Zero, V1Handshake: true, LogLevel: Microsoft.Extensions.Logging.LogLevel.Warning);
        _app = ServeCommand.BuildApp(settings);
        await _app.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private T Service<T>() where T : notnull => _app.Services.GetRequiredService<T>();

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"timed out waiting for {what}");
            await Task.Delay(20);
        }
    }

    private Task<string> BodyTextAsync(string workspaceId, string path) =>
        Service<DocumentHub>().ReadAsync($"body:{workspaceId}/{path}", doc => doc.GetText("body").ToString());

    [Fact]
    public async Task Guests_hear_read_only_changed_and_lose_write_access_at_once()
    {
        var accounts = Service<SqliteAccountStore>();
        var changes = Service<AccessChanges>();
        var owner = await accounts.IssueTokenAsync("owner@example.test", "tests");
        var ws = owner.DefaultWorkspaceId;
        var session = (await accounts.CreateShareSessionAsync(owner.UserId, ws, readOnly: false))!;

        await using var meta = await RawSocket.ConnectAsync(_port, $"session={session.Code}&guest_id=g1");
        var joined = await meta.NextTextAsync("session_joined");
        Assert.False(joined.GetProperty("readOnly").GetBoolean());
        await using var mux = await RawSocket.ConnectAsync(_port, $"session={session.Code}&multiplexed=true");

        // Writable: a body change is applied.
        await mux.SendAsync(MultiplexFrame.Encode("live.md", BodyUpdates.Insert("before ")));
        await WaitUntilAsync(async () => await BodyTextAsync(ws, "live.md") == "before ", "the guest's first write");

        // The owner makes the session read-only (what the HTTP PATCH calls).
        Assert.True(await changes.SetShareSessionReadOnlyAsync(session, true));
        Assert.True((await meta.NextTextAsync("read_only_changed")).GetProperty("read_only").GetBoolean());
        Assert.True((await mux.NextTextAsync("read_only_changed")).GetProperty("read_only").GetBoolean());

        // Writes on documents already open, and on one opened afterwards, are dropped.
        var rejectedBefore = Service<DocumentHub>().Metrics.RejectedReadOnly;
        await mux.SendAsync(MultiplexFrame.Encode("live.md", BodyUpdates.Insert("after ")));
        await mux.SendAsync(MultiplexFrame.Encode("new.md", BodyUpdates.Insert("new ")));
        var files = new YDoc();
        files.GetMap("files").Set("guest.md", new AnyString("{}"));
        await meta.SendAsync(Messages.Update(files.EncodeStateAsUpdate()));
        await WaitUntilAsync(() => Task.FromResult(Service<DocumentHub>().Metrics.RejectedReadOnly >= rejectedBefore + 3), "three rejected writes");
        Assert.Equal("before ", await BodyTextAsync(ws, "live.md"));
        Assert.Equal("", await BodyTextAsync(ws, "new.md"));
        Assert.Empty(await Service<DocumentHub>().ReadAsync($"workspace:{ws}", doc => doc.GetMap("files").Keys.ToList()));

        // And back: writable again at once.
        Assert.True(await changes.SetShareSessionReadOnlyAsync(session, false));
        Assert.False((await mux.NextTextAsync("read_only_changed")).GetProperty("read_only").GetBoolean());
        await mux.SendAsync(MultiplexFrame.Encode("new.md", BodyUpdates.Insert("again ")));
        await WaitUntilAsync(async () => await BodyTextAsync(ws, "new.md") == "again ", "a write after read-only was lifted");

        // Ended: everyone hears it, then the guest's sockets are closed.
        Assert.True(await changes.EndShareSessionAsync(session));
        Assert.False(await changes.EndShareSessionAsync(session));
        await meta.NextTextAsync("session_ended");
        await mux.NextTextAsync("session_ended");
        Assert.Equal(WebSocketCloseStatus.NormalClosure, await meta.ClosedAsync());
        Assert.Equal(WebSocketCloseStatus.NormalClosure, await mux.ClosedAsync());
        Assert.Equal("again ", await BodyTextAsync(ws, "new.md"));
    }

    /// <summary>A bare /sync socket: binary and JSON texts in, frames out.</summary>
    private sealed class RawSocket : IAsyncDisposable
    {
        private readonly ClientWebSocket _socket = new();
        private readonly Channel<JsonElement> _texts = Channel.CreateUnbounded<JsonElement>();
        private readonly TaskCompletionSource<WebSocketCloseStatus?> _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public static async Task<RawSocket> ConnectAsync(int port, string query)
        {
            var raw = new RawSocket();
            await raw._socket.ConnectAsync(new Uri($"ws://127.0.0.1:{port}/sync?{query}"), CancellationToken.None);
            _ = raw.ReceiveLoopAsync();
            return raw;
        }

        private async Task ReceiveLoopAsync()
        {
            var buffer = new byte[1 << 20];
            try
            {
                while (true)
                {
                    var message = new MemoryStream();
                    WebSocketReceiveResult result;
                    do
                    {
                        result = await _socket.ReceiveAsync(buffer, CancellationToken.None);
                        if (result.MessageType == WebSocketMessageType.Close)
                        {
                            _closed.TrySetResult(result.CloseStatus);
                            return;
                        }
                        message.Write(buffer, 0, result.Count);
                    } while (!result.EndOfMessage);
                    if (result.MessageType == WebSocketMessageType.Text) _texts.Writer.TryWrite(JsonDocument.Parse(Encoding.UTF8.GetString(message.ToArray())).RootElement.Clone());
                }
            }
            catch (Exception exception) when (exception is WebSocketException or OperationCanceledException)
            {
                _closed.TrySetResult(null);
            }
        }

        public Task SendAsync(byte[] frame) => _socket.SendAsync(frame, WebSocketMessageType.Binary, true, CancellationToken.None);

        /// <summary>The next text of this type (earlier texts of other types are skipped).</summary>
        public async Task<JsonElement> NextTextAsync(string type)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            while (true)
            {
                var text = await _texts.Reader.ReadAsync(timeout.Token);
                if (text.GetProperty("type").GetString() == type) return text;
            }
        }

        public async Task<WebSocketCloseStatus?> ClosedAsync() => await _closed.Task.WaitAsync(TimeSpan.FromSeconds(10));

        public async ValueTask DisposeAsync()
        {
            if (_socket.State == WebSocketState.Open)
            {
                try
                {
                    await _socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", CancellationToken.None);
                }
                catch (WebSocketException)
                {
                }
            }
            _socket.Dispose();
        }
    }
}
