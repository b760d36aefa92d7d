using Diaryx.Sync.Lite.Documents;
using Diaryx.Sync.Lite.Storage;
using Diaryx.Sync.Lite.Storage.Snapshots;
using Microsoft.AspNetCore.Http.Features;

namespace Diaryx.Sync.Lite.Http;

/// <summary>
/// <c>GET/POST /api/workspaces/{id}/snapshot</c>: the workspace as a zip of markdown, and back. Both go
/// through the live document hub, so an import reaches connected clients at once. Unlike upstream
/// (500 and possibly a partial import), a refused zip is a 4xx with <c>{"error"}</c> and changes nothing.
/// </summary>
internal static class SnapshotEndpoints
{
    private static HttpJsonContext Json => HttpJsonContext.Web;

    public static IEndpointRouteBuilder MapSnapshots(this IEndpointRouteBuilder endpoints)
    {
        var workspace = endpoints.MapGroup("/api/workspaces/{workspaceId}").RequireToken();
        workspace.MapGet("/snapshot", ExportAsync);
        workspace.MapPost("/snapshot", ImportAsync);
        return endpoints;
    }

    private static async Task<IResult> ExportAsync(string workspaceId, HttpContext http, SqliteAccountStore accounts, DocumentHub hub)
    {
        if (await accounts.GetOwnedWorkspaceAsync(http.GetCaller().UserId, workspaceId) is null) return Results.StatusCode(StatusCodes.Status404NotFound);
        var export = await SnapshotExporter.ExportAsync(new HubDocumentEditor(hub), workspaceId, http.RequestAborted);
        return Results.File(export.Zip, "application/zip", $"diaryx-snapshot-{workspaceId}.zip");
    }

    private static async Task<IResult> ImportAsync(string workspaceId, HttpContext http, SqliteAccountStore accounts, DocumentHub hub, SnapshotLimits limits)
    {
        if (await accounts.GetOwnedWorkspaceAsync(http.GetCaller().UserId, workspaceId) is null) return Results.StatusCode(StatusCodes.Status404NotFound);
        string? modeText = http.Request.Query["mode"];
        var mode = SnapshotImportModes.Default;
        if (modeText != null && !SnapshotImportModes.TryParse(modeText, out mode))
        {
            return Results.Json(new ErrorResponse(SnapshotImportModes.InvalidModeMessage(modeText)), Json.ErrorResponse, statusCode: StatusCodes.Status400BadRequest);
        }

        var importer = new SnapshotImporter(limits);
        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } bodyLimit) bodyLimit.MaxRequestBodySize = importer.Limits.MaxArchiveBytes + 1;
        if (http.Request.ContentLength > importer.Limits.MaxArchiveBytes) return TooLarge($"the upload is larger than {importer.Limits.MaxArchiveBytes} bytes");
        try
        {
            var result = await importer.ImportAsync(workspaceId, http.Request.Body, mode, new HubDocumentEditor(hub), http.RequestAborted);
            return Results.Json(new SnapshotImportResponse(result.FilesImported), Json.SnapshotImportResponse);
        }
        catch (SnapshotImportException exception)
        {
            return exception.Error == SnapshotImportError.TooLarge
                ? TooLarge(exception.Message)
                : Results.Json(new ErrorResponse(exception.Message), Json.ErrorResponse, statusCode: StatusCodes.Status400BadRequest);
        }
        catch (BadHttpRequestException exception) when (exception.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return TooLarge($"the upload is larger than {importer.Limits.MaxArchiveBytes} bytes");
        }
    }

    private static IResult TooLarge(string message) =>
        Results.Json(new ErrorResponse(message), Json.ErrorResponse, statusCode: StatusCodes.Status413PayloadTooLarge);
}
