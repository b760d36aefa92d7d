using System.Reflection;

namespace Diaryx.Sync.Lite.Http;

/// <summary><c>GET /</c> (what this server is) and <c>GET /health</c> (liveness).</summary>
internal static class HealthEndpoints
{
    private static readonly string Version =
        typeof(HealthEndpoints).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()
            ?.InformationalVersion.Split('+')[0] ?? "0.0.0";

    public static IEndpointRouteBuilder MapHealth(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/", () => new ServerInfoResponse(
            "diaryx-sync-lite",
            Version,
            "Diaryx Sync Lite: self-hosted Yjs sync server for Diaryx"));

        endpoints.MapGet("/health", () => new HealthResponse("ok"));

        return endpoints;
    }
}

internal sealed record ServerInfoResponse(string Name, string Version, string Description);

internal sealed record HealthResponse(string Status);
