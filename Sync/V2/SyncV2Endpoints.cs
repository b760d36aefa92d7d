using Diaryx.Sync.Lite.Access;
using Diaryx.Sync.Lite.Documents;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Diaryx.Sync.Lite.Sync.V2;

public static class SyncV2Endpoints
{
    /// <summary>Maps <c>GET /sync2</c>: the multiplexed protocol of current Diaryx clients.</summary>
    public static IEndpointRouteBuilder MapSyncV2(this IEndpointRouteBuilder app)
    {
        app.Map("/sync2", async (HttpContext context, DocumentHub hub, AccessPolicy access, AccessChanges changes, SyncOptions options, ILoggerFactory loggers,
            IHostApplicationLifetime lifetime) =>
        {
            if (!context.WebSockets.IsWebSocketRequest)
            {
                context.Response.StatusCode = StatusCodes.Status400BadRequest;
                await context.Response.WriteAsync("WebSocket upgrade required");
                return;
            }
            var credentials = SyncCredentials.From(context.Request);
            using var accepted = await AcceptedSyncSocket.AcceptAsync(context, lifetime);
            var connection = new SyncV2Connection(accepted.Socket, credentials, hub, access, changes, options, loggers.CreateLogger<SyncV2Connection>());
            await connection.RunAsync(accepted.Ended);
        });
        return app;
    }
}
