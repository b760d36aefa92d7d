namespace Diaryx.Sync.Lite.Access;

/// <summary>A valid session token's owner.</summary>
public sealed record TokenIdentity(string UserId, string DeviceId, string Email);

/// <summary>A live-share session: guests of <see cref="WorkspaceId"/>, possibly read-only.</summary>
public sealed record ShareSession(string Code, string WorkspaceId, string OwnerUserId, bool ReadOnly);

/// <summary>A newly issued session token (only ever shown once; storage keeps a hash).</summary>
public sealed record IssuedToken(string Token, string UserId, string DeviceId, string DefaultWorkspaceId);

/// <summary>
/// The account data the sync protocols need (users, sessions, workspaces, share sessions), and the
/// changes of access that live connections must follow at once.
/// </summary>
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

    /// <summary>Deletes the session of this token (logout). False if there was none.</summary>
    Task<bool> RevokeSessionAsync(string token, CancellationToken cancellationToken = default);

    /// <summary>Deletes one of the user's devices and its sessions. False if the user has no such device.</summary>
    Task<bool> DeleteDeviceAsync(string userId, string deviceId, CancellationToken cancellationToken = default);

    /// <summary>Deletes the user with its devices, sessions, workspaces and share sessions; returns the ids of the workspaces it owned.</summary>
    Task<IReadOnlyList<string>> DeleteUserAsync(string userId, CancellationToken cancellationToken = default);

    /// <summary>Sets read-only on an unexpired share session; false if there is none with that code.</summary>
    Task<bool> SetShareSessionReadOnlyAsync(string code, bool readOnly, CancellationToken cancellationToken = default);

    /// <summary>Ends a share session; false if there was none with that code.</summary>
    Task<bool> DeleteShareSessionAsync(string code, CancellationToken cancellationToken = default);
}
