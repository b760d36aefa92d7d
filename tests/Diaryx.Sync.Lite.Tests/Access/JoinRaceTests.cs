using Diaryx.Sync.Lite.Access;
using Diaryx.Sync.Lite.Documents;
using Diaryx.Sync.Lite.Storage;
using Diaryx.Sync.Lite.Tests.Infrastructure;
using Diaryx.Sync.Lite.Sync;

namespace Diaryx.Sync.Lite.Tests.Access;

/// <summary>
/// The sequence every connection goes through — authorise, then join with the grant — against a change
/// of access made between the two (what both protocols do on a document's first frame, and /sync2 when
/// a Files-Ready handshake completes). The change must not miss the new peer: it waits for the join and
/// then applies to it. Real hub, real SQLite; the change is started from inside the join itself.
/// </summary>
public sealed class JoinRaceTests : IAsyncLifetime
{
    private sealed class Peer : IDocumentPeer
    {
        public bool TrySend(string docId, byte[] message) => true;

        public bool TrySendText(string text) => true;

        public void Abort(string reason)
        {
        }

        public void DocumentClosed(string docId)
        {
        }
    }

    private readonly SqliteHub _sqlite = new();
    private SqliteAccountStore _accounts = null!;
    private AccessPolicy _access = null!;
    private AccessChanges _changes = null!;

    private DocumentHub Hub => _sqlite.Hub;

    public Task InitializeAsync()
    {
        _accounts = new SqliteAccountStore(_sqlite.Database);
        _access = new AccessPolicy(_accounts);
        _changes = new AccessChanges(Hub, _access, _accounts);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _sqlite.DisposeAsync();

    /// <summary>
    /// Authorises <paramref name="credentials"/> for <paramref name="document"/> and joins <paramref name="peer"/>
    /// with the grant, starting <paramref name="change"/> after the authorisation and before the join.
    /// Returns the grant and the change (which must still be waiting when the join begins).
    /// </summary>
    private async Task<(DocumentGrant Grant, Task<bool> Change)> JoinWithChangeInBetweenAsync(
        Credentials credentials, DocumentId document, IDocumentPeer peer, Func<Task<bool>> change)
    {
        Task<bool>? started = null;
        var (grant, _) = await _access.AuthorizeAndJoinAsync(credentials, document, async granted =>
        {
            started = change();
            Assert.False(started.IsCompleted); // a change waits for a join in progress
            return await Hub.JoinAsync(granted.Document.ToString(), peer, granted.Author, granted.ReadOnly);
        });
        return (grant, started!);
    }

    [Fact]
    public async Task A_session_made_read_only_between_a_guests_grant_and_join_reaches_the_new_peer()
    {
        var owner = await _accounts.IssueTokenAsync("owner@example.test", "laptop");
        var session = (await _accounts.CreateShareSessionAsync(owner.UserId, owner.DefaultWorkspaceId, readOnly: false))!;
        var document = DocumentId.Body(owner.DefaultWorkspaceId, "race.md");
        var guest = new Peer();

        var (grant, patch) = await JoinWithChangeInBetweenAsync(new Credentials(null, session.Code, "guest"), document, guest,
            () => _changes.SetShareSessionReadOnlyAsync(session, readOnly: true));
        Assert.False(grant.ReadOnly); // authorised while the session was writable...
        Assert.True(await patch);

        // ...yet joined as read-only: the guest's write is dropped.
        await Hub.HandleAsync(document.ToString(), guest, BodyUpdates.Insert("guest write"));
        Assert.Equal(1, Hub.Metrics.RejectedReadOnly);
        Assert.Equal("", await Hub.ReadAsync(document.ToString(), doc => doc.GetText("body").ToString()));
    }

    [Fact]
    public async Task A_device_removed_between_its_grant_and_join_loses_the_new_peer_at_once()
    {
        var laptop = await _accounts.IssueTokenAsync("owner@example.test", "laptop");
        var phone = await _accounts.IssueTokenAsync("owner@example.test", "phone");
        var document = DocumentId.Body(laptop.DefaultWorkspaceId, "race.md");
        var peer = new Peer();
        var revoked = new List<Revocation>();
        _changes.Revoked += revoked.Add;

        var (grant, removal) = await JoinWithChangeInBetweenAsync(new Credentials(phone.Token, null, "unused"), document, peer,
            () => _changes.RemoveDeviceAsync(laptop.UserId, phone.DeviceId));
        Assert.True(grant.IsAllowed);
        Assert.True(await removal);

        // The revocation reached the new peer: its connection is told to close, and its write is dropped meanwhile.
        Assert.True(Assert.Single(revoked).Matches(grant.Author));
        await Hub.HandleAsync(document.ToString(), peer, BodyUpdates.Insert("phone write"));
        Assert.Equal("", await Hub.ReadAsync(document.ToString(), doc => doc.GetText("body").ToString()));
    }
}
