using System.Net.WebSockets;
using Diaryx.Sync.Lite.Access;
using Diaryx.Sync.Lite.Documents;

namespace Diaryx.Sync.Lite.Sync;

/// <summary>Access taken away: every connection that acted for a matching author closes with this status and reason.</summary>
public sealed record Revocation(Func<UpdateAuthor, bool> Matches, WebSocketCloseStatus CloseStatus, string Reason);

/// <summary>
/// The changes of access that live connections follow at once (what the HTTP endpoints call). Each is
/// stored and applied inside one <see cref="AccessPolicy.ChangeAsync"/>, so it cannot miss a peer that
/// is joining meanwhile. Signing out, removing a device, deleting an account and ending a share session
/// revoke: the peers concerned turn read-only at once (frames already on their way change nothing) and
/// every connection concerned closes, over either protocol and whatever it holds (<see cref="Revoked"/>).
/// Making a share session read-only (or writable again) changes its guests' documents in place.
/// </summary>
public sealed class AccessChanges(DocumentHub hub, AccessPolicy access, IAccountStore accounts)
{
    /// <summary>Raised inside the change: every sync connection listens, and closes if it acted for a matching author.</summary>
    public event Action<Revocation>? Revoked;

    private static Func<UpdateAuthor, bool> GuestsOf(ShareSession session) =>
        author => string.Equals(author.SessionCode, session.Code, StringComparison.OrdinalIgnoreCase);

    /// <summary>Logout: the token stops working and the connections of its device close.</summary>
    public Task SignOutAsync(string token, string deviceId) => access.ChangeAsync(async () =>
    {
        await accounts.RevokeSessionAsync(token);
        await RevokeAsync(new Revocation(author => author.DeviceId == deviceId, WebSocketCloseStatus.PolicyViolation, "signed out"));
        return true;
    });

    /// <summary>Removes one of the user's devices: its tokens stop working and its connections close. False if the user has no such device.</summary>
    public Task<bool> RemoveDeviceAsync(string userId, string deviceId) => access.ChangeAsync(async () =>
    {
        if (!await accounts.DeleteDeviceAsync(userId, deviceId)) return false;
        await RevokeAsync(new Revocation(author => author.DeviceId == deviceId, WebSocketCloseStatus.PolicyViolation, "device removed"));
        return true;
    });

    /// <summary>Deletes the account's rows (its share sessions with them) and closes its connections; returns the ids of the workspaces it owned.</summary>
    public Task<IReadOnlyList<string>> DeleteAccountAsync(string userId, CancellationToken cancellationToken) => access.ChangeAsync(async () =>
    {
        var workspaces = await accounts.DeleteUserAsync(userId, cancellationToken);
        await RevokeAsync(new Revocation(author => author.UserId == userId, WebSocketCloseStatus.PolicyViolation, "account deleted"));
        return workspaces;
    });

    /// <summary>
    /// The session's guests become read-only (or writers) on every document they hold; <c>read_only_changed</c>
    /// goes to the workspace's clients. False if the session is gone.
    /// </summary>
    public Task<bool> SetShareSessionReadOnlyAsync(ShareSession session, bool readOnly) => access.ChangeAsync(async () =>
    {
        if (!await accounts.SetShareSessionReadOnlyAsync(session.Code, readOnly)) return false;
        await hub.SetReadOnlyAsync(GuestsOf(session), readOnly);
        await hub.BroadcastToWorkspaceAsync(session.WorkspaceId, ControlMessages.ReadOnlyChanged(readOnly));
        return true;
    });

    /// <summary>Ends the session: <c>session_ended</c> goes to the workspace's clients, then its guests' connections close (1000). False if it was gone.</summary>
    public Task<bool> EndShareSessionAsync(ShareSession session) => access.ChangeAsync(async () =>
    {
        if (!await accounts.DeleteShareSessionAsync(session.Code)) return false;
        await hub.BroadcastToWorkspaceAsync(session.WorkspaceId, ControlMessages.SessionEnded());
        await RevokeAsync(new Revocation(GuestsOf(session), WebSocketCloseStatus.NormalClosure, "session ended"));
        return true;
    });

    private async Task RevokeAsync(Revocation revocation)
    {
        await hub.SetReadOnlyAsync(revocation.Matches, true);
        Revoked?.Invoke(revocation);
    }
}
