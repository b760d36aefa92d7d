using Diaryx.Sync.Lite.Cli;
using Diaryx.Sync.Lite.Documents;
using Diaryx.Sync.Lite.Storage;

namespace Diaryx.Sync.Lite.Http;

/// <summary>
/// <c>/api</c> (reference http-storage.md §2.3) without the snapshot routes: status with real counts,
/// the caller's workspaces, and whether the default workspace has data. Workspace errors are bare
/// statuses with empty bodies, like upstream.
/// </summary>
internal static class ApiEndpoints
{
    private static HttpJsonContext Json => HttpJsonContext.Web;

    public static IEndpointRouteBuilder MapApi(this IEndpointRouteBuilder endpoints)
    {
        var api = endpoints.MapGroup("/api");
        api.MapGet("/status", StatusAsync);

        var signedIn = api.MapGroup("").RequireToken();
        signedIn.MapGet("/workspaces", WorkspacesAsync);
        signedIn.MapGet("/workspaces/{workspaceId}", WorkspaceAsync);
        signedIn.MapGet("/user/has-data", HasDataAsync);
        return endpoints;
    }

    private static async Task<IResult> StatusAsync(DocumentHub hub, ConnectionCounter connections, SqliteAccountStore accounts) =>
        Results.Json(
            new StatusResponse("ok", AppVersion.Current, connections.Open, hub.ActiveCount, hub.LoadedCount, await accounts.CountWorkspacesAsync()),
            Json.StatusResponse);

    private static async Task<IResult> WorkspacesAsync(HttpContext http, SqliteAccountStore accounts)
    {
        var workspaces = await accounts.ListWorkspacesAsync(http.GetCaller().UserId);
        return Results.Json((IReadOnlyList<WorkspaceDto>)[.. workspaces.Select(w => new WorkspaceDto(w.Id, w.Name))], Json.IReadOnlyListWorkspaceDto);
    }

    private static async Task<IResult> WorkspaceAsync(string workspaceId, HttpContext http, SqliteAccountStore accounts) =>
        await accounts.GetOwnedWorkspaceAsync(http.GetCaller().UserId, workspaceId) is { } workspace
            ? Results.Json(new WorkspaceDto(workspace.Id, workspace.Name), Json.WorkspaceDto)
            : Results.StatusCode(StatusCodes.Status404NotFound);

    /// <summary>
    /// Upstream's answer for the workspace named <c>default</c>: <c>file_count</c> is the raw number of
    /// entries in its <c>files</c> map (files marked deleted included); no such workspace, or a
    /// document that cannot be loaded, is <c>{"has_data":false,"file_count":0}</c>.
    /// </summary>
    private static async Task<IResult> HasDataAsync(HttpContext http, SqliteAccountStore accounts, DocumentHub hub)
    {
        var workspaces = await accounts.ListWorkspacesAsync(http.GetCaller().UserId);
        var count = 0;
        if (workspaces.FirstOrDefault(w => w.Name == SqliteAccountStore.DefaultWorkspaceName) is { } workspace)
        {
            try
            {
                count = await hub.ReadAsync(DocumentId.Workspace(workspace.Id).ToString(), doc => doc.GetMap(WorkspaceFiles.FilesMap).Count, http.RequestAborted);
            }
            catch (DocumentUnavailableException)
            {
            }
        }

        return Results.Json(new HasDataResponse(count > 0, count), Json.HasDataResponse);
    }
}
