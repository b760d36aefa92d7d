using Diaryx.Sync.Lite.Documents;
using Diaryx.Sync.Lite.Storage;
using Diaryx.Sync.Lite.Sync;

namespace Diaryx.Sync.Lite.Http;

/// <summary>
/// <c>/api/sessions</c> (reference http-storage.md §2.4): live-share sessions. Unlike upstream, a
/// workspace the caller does not own is refused (404), not swapped for its default workspace; and
/// PATCH/DELETE take effect on guests already connected, over both protocols (<see cref="AccessChanges"/>):
/// their documents turn read-only (or writable) at once, and DELETE closes their connections;
/// every client of the workspace hears <c>read_only_changed</c> / <c>session_ended</c>.
/// </summary>
internal static class SessionEndpoints
{
    private const string NotFound = "Session not found or expired";

    private static HttpJsonContext Json => HttpJsonContext.Web;

    public static IEndpointRouteBuilder MapSessions(this IEndpointRouteBuilder endpoints)
    {
        var sessions = endpoints.MapGroup("/api/sessions");
        sessions.MapGet("/{code}", GetAsync);

        var signedIn = sessions.MapGroup("").RequireToken();
        signedIn.MapPost("", CreateAsync);
        signedIn.MapPatch("/{code}", UpdateAsync);
        signedIn.MapDelete("/{code}", EndAsync);
        return endpoints;
    }

    private static IResult Error(int status, string message) => AuthEndpoints.Error(status, message);

    private static async Task<IResult> CreateAsync(HttpContext http, SqliteAccountStore accounts)
    {
        var (request, invalid) = await JsonBody.ReadAsync(http.Request, Json.CreateSessionRequest, http.RequestAborted);
        if (invalid != null)
        {
            return invalid;
        }

        var session = await accounts.CreateShareSessionAsync(http.GetCaller().UserId, request!.WorkspaceId, request.ReadOnly ?? false);
        return session is null
            ? Error(StatusCodes.Status404NotFound, "Workspace not found")
            : Results.Json(new CreateSessionResponse(session.Code, session.WorkspaceId, session.ReadOnly), Json.CreateSessionResponse);
    }

    /// <summary>No authentication, as upstream: anyone with the code sees the workspace id and who is connected.</summary>
    private static async Task<IResult> GetAsync(string code, SqliteAccountStore accounts, DocumentHub hub) =>
        await accounts.GetShareSessionAsync(code) is { } session
            ? Results.Json(
                new SessionInfoResponse(session.Code, session.WorkspaceId, session.ReadOnly, hub.PeerCount(DocumentId.Workspace(session.WorkspaceId).ToString())),
                Json.SessionInfoResponse)
            : Error(StatusCodes.Status404NotFound, NotFound);

    private static async Task<IResult> UpdateAsync(string code, HttpContext http, SqliteAccountStore accounts, AccessChanges changes)
    {
        var (request, invalid) = await JsonBody.ReadAsync(http.Request, Json.UpdateSessionRequest, http.RequestAborted);
        if (invalid != null)
        {
            return invalid;
        }

        if (await accounts.GetShareSessionAsync(code) is not { } session)
        {
            return Error(StatusCodes.Status404NotFound, NotFound);
        }

        if (session.OwnerUserId != http.GetCaller().UserId)
        {
            return Error(StatusCodes.Status403Forbidden, "Only the session owner can update the session");
        }

        if (!await changes.SetShareSessionReadOnlyAsync(session, request!.ReadOnly))
        {
            return Error(StatusCodes.Status404NotFound, NotFound);
        }

        return Results.Json(new UpdateSessionResponse(session.Code, request.ReadOnly), Json.UpdateSessionResponse);
    }

    private static async Task<IResult> EndAsync(string code, HttpContext http, SqliteAccountStore accounts, AccessChanges changes)
    {
        if (await accounts.GetShareSessionAsync(code) is not { } session)
        {
            return Error(StatusCodes.Status404NotFound, NotFound);
        }

        if (session.OwnerUserId != http.GetCaller().UserId)
        {
            return Error(StatusCodes.Status403Forbidden, "Only the session owner can end the session");
        }

        if (!await changes.EndShareSessionAsync(session))
        {
            return Error(StatusCodes.Status404NotFound, NotFound);
        }

        return Results.NoContent();
    }
}
