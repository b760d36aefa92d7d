namespace Diaryx.Sync.Lite.Http;

/// <summary>
/// Open WebSocket connections (<c>/sync</c> and <c>/sync2</c> alike) for <c>/api/status</c> and
/// <c>/metrics</c>: <see cref="UseConnectionCounting"/> counts each WebSocket request while its handler runs,
/// which for an accepted socket is the connection's whole life.
/// </summary>
public sealed class ConnectionCounter
{
    private long _open, _total;

    public int Open => (int)Interlocked.Read(ref _open);

    /// <summary>WebSocket requests since start.</summary>
    public long Total => Interlocked.Read(ref _total);

    internal void Opened()
    {
        Interlocked.Increment(ref _open);
        Interlocked.Increment(ref _total);
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

            counter.Opened();
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
