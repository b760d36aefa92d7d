namespace Diaryx.Sync.Lite.Http;

/// <summary><c>GET /</c> and <c>GET /health</c>, as plain text like the upstream server (scripts poll them).</summary>
internal static class HealthEndpoints
{
    public static IEndpointRouteBuilder MapHealth(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/", () => Results.Text("Diaryx Sync Server"));
        endpoints.MapGet("/health", () => Results.Text("OK"));
        return endpoints;
    }
}
