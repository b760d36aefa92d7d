using Diaryx.Sync.Lite.Documents;

namespace Diaryx.Sync.Lite.Access;

public enum AccessLevel
{
    Denied,
    ReadOnly,
    ReadWrite,
}

/// <summary>What a connection presented: a session token and/or a share-session code with an optional guest id.</summary>
public sealed record Credentials(string? Token, string? SessionCode, string GuestId);

/// <summary>
/// The decision for one connection and document: the document it really addresses (a workspace
/// name resolved to its id), the access level, who its updates are attributed to, and why not.
/// </summary>
public sealed record DocumentGrant(DocumentId Document, AccessLevel Level, UpdateAuthor Author, ShareSession? Session, string? DeniedReason)
{
    public bool IsAllowed => Level != AccessLevel.Denied;
    public bool ReadOnly => Level == AccessLevel.ReadOnly;
    public bool IsGuest => Author.GuestId != null;

    /// <summary>The id peers see for this connection (user id, or <c>guest:&lt;id&gt;</c>).</summary>
    public string PeerName => Author.UserId ?? $"guest:{Author.GuestId}";

    public static DocumentGrant Deny(DocumentId document, string reason) => new(document, AccessLevel.Denied, UpdateAuthor.Server, null, reason);
}

/// <summary>
/// The one place that decides who may read or write a document: a token reaches only its user's
/// own workspaces (by id or name); a share-session guest reaches only that session's workspace,
/// read-only if the session says so. Everything else is denied — never silently redirected.
/// <para>
/// A decision and the join that acts on it happen under a shared lock (<see cref="AuthorizeAndJoinAsync"/>),
/// and changes of access are stored and applied to live connections under the same lock held alone
/// (<see cref="ChangeAsync"/>). So a change either comes first, and the authorisation sees it, or comes
/// after the join, and finds the new peer to apply itself to: a grant can never go stale in between.
/// </para>
/// </summary>
public sealed class AccessPolicy(IAccountStore accounts)
{
    public const int MaxGuestIdLength = 64;

    private readonly AsyncReaderWriterLock _changes = new();

    /// <summary>A client-chosen guest id must be short and plain; otherwise one is generated.</summary>
    public static string GuestIdFrom(string? requested) =>
        requested is { Length: > 0 and <= MaxGuestIdLength } && requested.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_')
            ? requested
            : $"guest-{Guid.NewGuid()}";

    /// <summary>
    /// Authorises <paramref name="requested"/> and, if allowed, runs <paramref name="join"/> with the grant
    /// (join the document, start its handshake...) before any change of access can take effect.
    /// <paramref name="join"/> must not authorise again. Returns the grant and what the join returned
    /// (default when denied).
    /// </summary>
    public async Task<(DocumentGrant Grant, T Joined)> AuthorizeAndJoinAsync<T>(
        Credentials credentials, DocumentId requested, Func<DocumentGrant, Task<T>> join, CancellationToken cancellationToken = default)
    {
        using var noChange = await _changes.ReadAsync(cancellationToken);
        var grant = await AuthorizeAsync(credentials, requested, cancellationToken);
        return grant.IsAllowed ? (grant, await join(grant)) : (grant, default!);
    }

    /// <summary>
    /// Runs a change of access — store it, then apply it to live connections (make peers read-only,
    /// close sockets) — once no authorisation or join is in progress, and holds new ones off until it is done.
    /// </summary>
    public async Task<T> ChangeAsync<T>(Func<Task<T>> change)
    {
        using var alone = await _changes.WriteAsync();
        return await change();
    }

    /// <summary>
    /// The decision alone. Use it for answers that join nothing (such as refusing a /sync upgrade);
    /// a connection that acts on a grant uses <see cref="AuthorizeAndJoinAsync"/>.
    /// </summary>
    public async Task<DocumentGrant> AuthorizeAsync(Credentials credentials, DocumentId requested, CancellationToken cancellationToken = default)
    {
        if (credentials.Token is { Length: > 0 } token && await accounts.ValidateTokenAsync(token, cancellationToken) is { } identity)
        {
            var workspaceId = await accounts.ResolveOwnedWorkspaceAsync(identity.UserId, requested.WorkspaceId, cancellationToken);
            if (workspaceId != null)
            {
                return new DocumentGrant(requested.InWorkspace(workspaceId), AccessLevel.ReadWrite, new UpdateAuthor(identity.UserId, identity.DeviceId, null), null, null);
            }
            if (credentials.SessionCode == null) return DocumentGrant.Deny(requested, "the workspace does not belong to this account");
        }
        if (credentials.SessionCode is { Length: > 0 } code)
        {
            var session = await accounts.GetShareSessionAsync(code, cancellationToken);
            if (session == null) return DocumentGrant.Deny(requested, "the share session does not exist or has ended");
            if (session.WorkspaceId != requested.WorkspaceId) return DocumentGrant.Deny(requested, "the share session is for another workspace");
            var author = new UpdateAuthor(null, null, credentials.GuestId) { SessionCode = session.Code };
            return new DocumentGrant(requested, session.ReadOnly ? AccessLevel.ReadOnly : AccessLevel.ReadWrite, author, session, null);
        }
        return DocumentGrant.Deny(requested, credentials.Token is { Length: > 0 } ? "the token is invalid or expired" : "authentication required");
    }
}
