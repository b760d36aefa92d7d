using Diaryx.Sync.Lite.Access;
using Diaryx.Sync.Lite.Documents;

namespace Diaryx.Sync.Lite.Sync;

/// <summary>
/// What the share-session endpoints (PATCH/DELETE <c>/api/sessions/{code}</c>) call once storage has
/// the change: the session's guests gain or lose write access at once, on every document they hold
/// over either protocol, and every client of the workspace hears about it.
/// </summary>
public sealed class ShareSessionEvents(DocumentHub hub)
{
    /// <summary>Raised with the session code after <see cref="EndedAsync"/>; /sync guest metadata sockets of that session close.</summary>
    public event Action<string>? Ended;

    private static Func<UpdateAuthor, bool> GuestsOf(ShareSession session) =>
        author => string.Equals(author.SessionCode, session.Code, StringComparison.OrdinalIgnoreCase);

    /// <summary>Guests of the session become read-only (or writers) now; <c>read_only_changed</c> goes to the workspace's clients.</summary>
    public async Task ReadOnlyChangedAsync(ShareSession session, bool readOnly)
    {
        await hub.SetReadOnlyAsync(GuestsOf(session), readOnly);
        await hub.BroadcastToWorkspaceAsync(session.WorkspaceId, ControlMessages.ReadOnlyChanged(readOnly));
    }

    /// <summary>Guests of the session can no longer write; <c>session_ended</c> goes to the workspace's clients.</summary>
    public async Task EndedAsync(ShareSession session)
    {
        await hub.SetReadOnlyAsync(GuestsOf(session), true);
        await hub.BroadcastToWorkspaceAsync(session.WorkspaceId, ControlMessages.SessionEnded());
        Ended?.Invoke(session.Code);
    }
}
