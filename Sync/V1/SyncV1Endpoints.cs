using Diaryx.Sync.Lite.Access;
using Diaryx.Sync.Lite.Documents;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Diaryx.Sync.Lite.Sync.V1;

public static class SyncV1Endpoints
{
    /// <summary>
    /// Maps <c>GET /sync</c>: the per-document v1 protocol (metadata, single-file and multiplexed body
    /// sockets, for token holders and share-session guests) on the same hub as <c>/sync2</c>. Bad queries
    /// are refused before the upgrade: 400 (no session and not both doc and token, bad multiplexed or
    /// file), 401 (bad token), 403 (another account's workspace), 404 (unknown or expired session).
    /// </summary>
    public static IEndpointRouteBuilder MapSyncV1(this IEndpointRouteBuilder app, SyncV1Options? options = null)
    {
        options ??= new SyncV1Options();
        app.Map("/sync", async (HttpContext context, DocumentHub hub, AccessPolicy access, IAccountStore accounts, AccessChanges changes,
            SyncOptions limits, ILoggerFactory loggers, IHostApplicationLifetime lifetime) =>
        {
            if (!V1Request.TryParse(context.Request.Query, out var request, out var invalid))
            {
                await RefuseAsync(context, StatusCodes.Status400BadRequest, invalid);
                return;
            }
            var admission = await new V1Admitter(accounts, access).AdmitAsync(request, context.RequestAborted);
            if (admission.Connect is not { } connect)
            {
                await RefuseAsync(context, admission.StatusCode, admission.Reason!);
                return;
            }
            if (!context.WebSockets.IsWebSocketRequest)
            {
                await RefuseAsync(context, StatusCodes.Status400BadRequest, "WebSocket upgrade required");
                return;
            }
            using var accepted = await AcceptedSyncSocket.AcceptAsync(context, lifetime);
            // Admitted before the upgrade, so no first-message deadline: a multiplexed socket may rightly
            // stay silent until its client opens a file.
            var services = new SyncV1Services(hub, access, changes, limits with { FirstMessageTimeout = null }, options, loggers.CreateLogger<SyncV1Connection>());
            SyncV1Connection connection = connect.Mode switch
            {
                V1Mode.Metadata => new MetadataConnection(accepted.Socket, connect, services),
                V1Mode.SingleFile => new SingleFileConnection(accepted.Socket, connect, services),
                _ => new MultiplexedConnection(accepted.Socket, connect, services),
            };
            await connection.RunAsync(accepted.Ended);
        });
        return app;
    }

    private static async Task RefuseAsync(HttpContext context, int status, string reason)
    {
        context.Response.StatusCode = status;
        await context.Response.WriteAsync(reason);
    }
}
