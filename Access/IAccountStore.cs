namespace Diaryx.Sync.Lite.Access;

/// <summary>A valid session token's owner.</summary>
public sealed record TokenIdentity(string UserId, string DeviceId, string Email);

/// <summary>A live-share session: guests of <see cref="WorkspaceId"/>, possibly read-only.</summary>
public sealed record ShareSession(string Code, string WorkspaceId, string OwnerUserId, bool ReadOnly);

/// <summary>A newly issued session token (only ever shown once; storage keeps a hash).</summary>
public sealed record IssuedToken(string Token, string UserId, string DeviceId, string DefaultWorkspaceId);

/// <summary>The account data the sync protocols need (users, sessions, workspaces, share sessions).</summary>
public interface IAccountStore
{
    /// <summary>The identity behind an unexpired session token, or null. Touches the device's last-seen time.</summary>
    Task<TokenIdentity?> ValidateTokenAsync(string token, CancellationToken cancellationToken = default);

    /// <summary>The id of the workspace <paramref name="idOrName"/> names (by id, else by name) if <paramref name="userId"/> owns it.</summary>
    Task<string?> ResolveOwnedWorkspaceAsync(string userId, string idOrName, CancellationToken cancellationToken = default);

    /// <summary>Whether a workspace with this id exists, whoever owns it (to refuse a foreign id rather than mistake it for an unknown one).</summary>
    Task<bool> WorkspaceExistsAsync(string workspaceId, CancellationToken cancellationToken = default);

    /// <summary>The user's workspace named "default", created if missing.</summary>
    Task<string> GetOrCreateDefaultWorkspaceAsync(string userId, CancellationToken cancellationToken = default);

    /// <summary>An unexpired share session by code (case-insensitive), or null.</summary>
    Task<ShareSession?> GetShareSessionAsync(string code, CancellationToken cancellationToken = default);

    /// <summary>
    /// Finds or creates the user with this (normalised) email, creates a device and a session for it,
    /// and makes sure the user has a default workspace. Used by <c>token create</c> and magic-link verify.
    /// </summary>
    Task<IssuedToken> IssueTokenAsync(string email, string? deviceName, CancellationToken cancellationToken = default);
}
