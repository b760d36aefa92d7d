using Diaryx.Sync.Lite.Access;
using Diaryx.Sync.Lite.Documents;
using Microsoft.AspNetCore.Http;

namespace Diaryx.Sync.Lite.Sync.V1;

/// <summary>
/// An admitted <c>/sync</c> connection: its mode, the one workspace it works on, the grant for that
/// workspace's metadata document, and the credentials each body document is authorised with.
/// </summary>
public sealed record V1Connect(V1Mode Mode, DocumentGrant Grant, Credentials Credentials, string? File)
{
    public string WorkspaceId => Grant.Document.WorkspaceId;

    public string WorkspaceDocId => Grant.Document.ToString();

    public bool IsGuest => Grant.IsGuest;

    /// <summary>The id peers see in <c>peer_joined</c>/<c>peer_left</c>.</summary>
    public string GuestId => Grant.Author.GuestId ?? Grant.PeerName;
}

/// <summary>The outcome of admission: a connection to accept, or the status to refuse the upgrade with.</summary>
public sealed record V1Admission(V1Connect? Connect, int StatusCode, string? Reason)
{
    public static V1Admission Refuse(int statusCode, string reason) => new(null, statusCode, reason);
}

/// <summary>
/// Decides, before the upgrade, who a <c>/sync</c> request is and which workspace it gets (reference
/// v1-protocol §1.2, §1.4): <c>session</c> present → guest of that session (404 if unknown or expired;
/// <c>doc</c> and <c>token</c> ignored); else <c>doc</c> and <c>token</c> → the token's user (401 if invalid),
/// <c>doc</c> (one <c>workspace:</c> prefix stripped) naming one of the user's workspaces by id or name,
/// resolved to its id; a foreign workspace id is refused (403); anything else falls back to the user's
/// default workspace; else 400.
/// </summary>
public sealed class V1Admitter(IAccountStore accounts, AccessPolicy access)
{
    public async Task<V1Admission> AdmitAsync(V1Request request, CancellationToken cancellationToken)
    {
        var guestId = AccessPolicy.GuestIdFrom(request.GuestId);
        Credentials credentials;
        DocumentId workspace;
        if (request.Session != null)
        {
            var session = await accounts.GetShareSessionAsync(request.Session, cancellationToken);
            if (session == null) return V1Admission.Refuse(StatusCodes.Status404NotFound, "the share session does not exist or has ended");
            credentials = new Credentials(null, session.Code, guestId);
            workspace = DocumentId.Workspace(session.WorkspaceId);
        }
        else if (request.Doc != null && request.Token != null)
        {
            var identity = request.Token.Length > 0 ? await accounts.ValidateTokenAsync(request.Token, cancellationToken) : null;
            if (identity == null) return V1Admission.Refuse(StatusCodes.Status401Unauthorized, "the token is invalid or expired");
            var candidate = request.Doc.StartsWith("workspace:", StringComparison.Ordinal) ? request.Doc["workspace:".Length..] : request.Doc;
            var workspaceId = await accounts.ResolveOwnedWorkspaceAsync(identity.UserId, candidate, cancellationToken);
            if (workspaceId == null)
            {
                if (await accounts.WorkspaceExistsAsync(candidate, cancellationToken))
                {
                    return V1Admission.Refuse(StatusCodes.Status403Forbidden, "the workspace belongs to another account");
                }
                workspaceId = await accounts.GetOrCreateDefaultWorkspaceAsync(identity.UserId, cancellationToken);
            }
            credentials = new Credentials(request.Token, null, guestId);
            workspace = DocumentId.Workspace(workspaceId);
        }
        else
        {
            return V1Admission.Refuse(StatusCodes.Status400BadRequest, "need either session, or doc and token");
        }

        var grant = await access.AuthorizeAsync(credentials, workspace, cancellationToken);
        if (!grant.IsAllowed) return V1Admission.Refuse(StatusCodes.Status403Forbidden, grant.DeniedReason!);
        return new V1Admission(new V1Connect(request.Mode, grant, credentials, request.Mode == V1Mode.SingleFile ? request.File : null), StatusCodes.Status101SwitchingProtocols, null);
    }
}
