namespace Diaryx.Sync.Lite.Http;

/// <summary>
/// Open WebSocket connections (<c>/sync</c> and <c>/sync2</c> alike) for <c>/api/status</c> and
/// <c>/metrics</c>: <see cref="UseConnectionCounting"/> counts each WebSocket request while its handler runs,
/// which for an accepted socket is the connection's whole life, and refuses upgrades beyond <see cref="MaxOpen"/>.
/// </summary>
public sealed class ConnectionCounter(int maxOpen = int.MaxValue)
{
    private long _open, _total;

    /// <summary>Most connections open at once (<c>--max-connections</c>); more upgrades are refused with 503.</summary>
    public int MaxOpen { get; } = maxOpen;

    public int Open => (int)Interlocked.Read(ref _open);

    /// <summary>WebSocket requests since start.</summary>
    public long Total => Interlocked.Read(ref _total);

    /// <summary>Counts a new connection unless <see cref="MaxOpen"/> are already open.</summary>
    internal bool TryOpen()
    {
        if (Interlocked.Increment(ref _open) > MaxOpen)
        {
            Interlocked.Decrement(ref _open);
            return false;
        }
        Interlocked.Increment(ref _total);
        return true;
    }

    internal void Closed() => Interlocked.Decrement(ref _open);
}

internal static class ConnectionCountingExtensions
{
    /// <summary>Counts WebSocket requests in <see cref="ConnectionCounter"/>; goes after <c>UseWebSockets</c>.</summary>
    public static IApplicationBuilder UseConnectionCounting(this IApplicationBuilder app)
    {
        var counter = app.ApplicationServices.GetRequiredService<ConnectionCounter>();
        return app.Use(async (context, next) =>
        {
            if (!context.WebSockets.IsWebSocketRequest)
            {
                await next(context);
                return;
            }

            if (!counter.TryOpen())
            {
                context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
                context.Response.ContentType = "text/plain; charset=utf-8";
                await context.Response.WriteAsync($"too many connections: the server accepts at most {counter.MaxOpen} WebSocket connections; try again later");
                return;
            }

            try
            {
                await next(context);
            }
            finally
            {
                counter.Closed();
            }
        });
    }
}
