using System.Security.Cryptography;
using System.Text;
using Diaryx.Sync.Lite.Access;
using Diaryx.Sync.Lite.Storage;

namespace Diaryx.Sync.Lite.Tests.Storage;

public sealed class SqliteAccountStoreTests
{
    private static readonly DateTimeOffset Start = new(2026, 2, 10, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Issued_token_validates_to_its_user_and_device()
    {
        using var dir = new StorageTestDirectory();
        using var db = new SqliteDatabase(dir.DbPath);
        var store = new SqliteAccountStore(db);

        var issued = await store.IssueTokenAsync("  Alice@Example.COM ", "laptop");
        Assert.Equal(SecretTokens.TokenLength, issued.Token.Length);
        Assert.Matches("^[A-Za-z0-9_-]{43}$", issued.Token);
        Assert.True(Guid.TryParse(issued.UserId, out _));
        Assert.Equal(issued.UserId, issued.UserId.ToLowerInvariant());
        Assert.True(Guid.TryParse(issued.DeviceId, out _));

        var identity = await store.ValidateTokenAsync(issued.Token);
        Assert.NotNull(identity);
        Assert.Equal(issued.UserId, identity.UserId);
        Assert.Equal(issued.DeviceId, identity.DeviceId);
        Assert.Equal("alice@example.com", identity.Email);

        var devices = await store.ListDevicesAsync(issued.UserId);
        Assert.Equal("laptop", Assert.Single(devices).Name);
        Assert.Equal([new WorkspaceInfo(issued.DefaultWorkspaceId, "default")], await store.ListWorkspacesAsync(issued.UserId));
    }

    [Fact]
    public async Task Signing_in_again_reuses_the_user_and_default_workspace_with_a_new_device_and_token()
    {
        using var dir = new StorageTestDirectory();
        using var db = new SqliteDatabase(dir.DbPath);
        var store = new SqliteAccountStore(db);

        var first = await store.IssueTokenAsync("bob@example.com", null);
        var second = await store.IssueTokenAsync("BOB@example.com", "phone");
        Assert.Equal(first.UserId, second.UserId);
        Assert.Equal(first.DefaultWorkspaceId, second.DefaultWorkspaceId);
        Assert.NotEqual(first.DeviceId, second.DeviceId);
        Assert.NotEqual(first.Token, second.Token);
        Assert.Equal(2, (await store.ListDevicesAsync(first.UserId)).Count);
        Assert.Equal(first.DefaultWorkspaceId, await store.GetOrCreateDefaultWorkspaceAsync(first.UserId));
        Assert.Equal(first.DeviceId, (await store.ValidateTokenAsync(first.Token))?.DeviceId);
        Assert.Equal(second.DeviceId, (await store.ValidateTokenAsync(second.Token))?.DeviceId);
    }

    [Theory]
    [InlineData("")]
    [InlineData("not-a-token")]
    [InlineData("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    [InlineData("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA!")]
    public async Task Unknown_or_malformed_tokens_are_rejected(string token)
    {
        using var dir = new StorageTestDirectory();
        using var db = new SqliteDatabase(dir.DbPath);
        var store = new SqliteAccountStore(db);
        var issued = await store.IssueTokenAsync("carol@example.com", null);

        Assert.Null(await store.ValidateTokenAsync(token));
        // A token differing in one character is just another unknown token.
        var tampered = (issued.Token[0] == 'A' ? "B" : "A") + issued.Token[1..];
        Assert.Null(await store.ValidateTokenAsync(tampered));
    }

    [Fact]
    public async Task Token_expires_after_the_configured_days_and_revocation_ends_it()
    {
        using var dir = new StorageTestDirectory();
        using var db = new SqliteDatabase(dir.DbPath);
        var clock = new ManualTimeProvider(Start);
        var store = new SqliteAccountStore(db, sessionExpiryDays: 7, clock);

        var issued = await store.IssueTokenAsync("dave@example.com", null);
        clock.Advance(TimeSpan.FromDays(7) - TimeSpan.FromSeconds(1));
        Assert.NotNull(await store.ValidateTokenAsync(issued.Token));
        Assert.Equal(clock.Now, Assert.Single(await store.ListDevicesAsync(issued.UserId)).LastSeenAt);

        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Null(await store.ValidateTokenAsync(issued.Token));

        clock.Now = Start;
        var other = await store.IssueTokenAsync("dave@example.com", null);
        Assert.True(await store.RevokeSessionAsync(other.Token));
        Assert.Null(await store.ValidateTokenAsync(other.Token));
        Assert.False(await store.RevokeSessionAsync(other.Token));

        clock.Now = Start.AddDays(30);
        Assert.True(await store.PurgeExpiredAsync() >= 1);
        using var raw = dir.OpenRawConnection();
        Assert.Equal(0L, raw.Scalar("SELECT count(*) FROM auth_sessions;"));
    }

    [Fact]
    public async Task Only_hashes_of_tokens_and_share_codes_reach_the_database_file()
    {
        using var dir = new StorageTestDirectory();
        using var db = new SqliteDatabase(dir.DbPath);
        var store = new SqliteAccountStore(db);

        var issued = await store.IssueTokenAsync("erin@example.com", null);
        var magic = await store.CreateMagicTokenAsync("erin@example.com", TimeSpan.FromMinutes(15));
        var share = await store.CreateShareSessionAsync(issued.UserId, issued.DefaultWorkspaceId, readOnly: false);
        Assert.NotNull(share);

        using (var raw = dir.OpenRawConnection())
        {
            Assert.Equal(SHA256.HashData(Encoding.UTF8.GetBytes(issued.Token)), (byte[])raw.Scalar("SELECT token_hash FROM auth_sessions;")!);
            Assert.Equal(SHA256.HashData(Encoding.UTF8.GetBytes(magic)), (byte[])raw.Scalar("SELECT token_hash FROM magic_tokens;")!);
            Assert.Equal(SHA256.HashData(Encoding.UTF8.GetBytes(share.Code)), (byte[])raw.Scalar("SELECT code_hash FROM share_sessions;")!);
        }

        // Neither in the main file nor in the WAL.
        var bytes = dir.ReadAllDatabaseBytes();
        Assert.True(bytes.Length > 0);
        Assert.True(Contains(bytes, Encoding.UTF8.GetBytes("erin@example.com")), "sanity: the email is stored in clear");
        Assert.False(Contains(bytes, Encoding.UTF8.GetBytes(issued.Token)));
        Assert.False(Contains(bytes, Encoding.UTF8.GetBytes(magic)));
        Assert.False(Contains(bytes, Encoding.UTF8.GetBytes(share.Code)));
        Assert.False(Contains(bytes, Encoding.UTF8.GetBytes(share.Code.ToLowerInvariant())));
    }

    [Fact]
    public async Task Magic_tokens_are_single_use_and_expire()
    {
        using var dir = new StorageTestDirectory();
        using var db = new SqliteDatabase(dir.DbPath);
        var clock = new ManualTimeProvider(Start);
        var store = new SqliteAccountStore(db, timeProvider: clock);

        var token = await store.CreateMagicTokenAsync(" Frank@Example.com", TimeSpan.FromMinutes(15));
        Assert.Equal(SecretTokens.TokenLength, token.Length);
        Assert.Null(await store.ValidateTokenAsync(token)); // a magic token is not a session token

        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() => store.ConsumeMagicTokenAsync(token))));
        Assert.Equal("frank@example.com", Assert.Single(results, r => r is not null));
        Assert.Null(await store.ConsumeMagicTokenAsync(token));

        var late = await store.CreateMagicTokenAsync("frank@example.com", TimeSpan.FromMinutes(15));
        clock.Advance(TimeSpan.FromMinutes(15));
        Assert.Null(await store.ConsumeMagicTokenAsync(late));
    }

    [Fact]
    public async Task Workspaces_resolve_by_id_then_by_name_and_only_for_their_owner()
    {
        using var dir = new StorageTestDirectory();
        using var db = new SqliteDatabase(dir.DbPath);
        var store = new SqliteAccountStore(db);
        var alice = await store.IssueTokenAsync("alice@example.com", null);
        var mallory = await store.IssueTokenAsync("mallory@example.com", null);

        var journal = await store.CreateWorkspaceAsync(alice.UserId, "journal");
        Assert.NotNull(journal);
        Assert.Null(await store.CreateWorkspaceAsync(alice.UserId, "journal")); // names are unique per user

        Assert.Equal(alice.DefaultWorkspaceId, await store.ResolveOwnedWorkspaceAsync(alice.UserId, alice.DefaultWorkspaceId));
        Assert.Equal(alice.DefaultWorkspaceId, await store.ResolveOwnedWorkspaceAsync(alice.UserId, "default"));
        Assert.Equal(journal.Id, await store.ResolveOwnedWorkspaceAsync(alice.UserId, "journal"));
        Assert.Equal(mallory.DefaultWorkspaceId, await store.ResolveOwnedWorkspaceAsync(mallory.UserId, "default"));

        // Another user's workspace: neither by id nor by name.
        Assert.Null(await store.ResolveOwnedWorkspaceAsync(mallory.UserId, alice.DefaultWorkspaceId));
        Assert.Null(await store.ResolveOwnedWorkspaceAsync(mallory.UserId, journal.Id));
        Assert.Null(await store.ResolveOwnedWorkspaceAsync(mallory.UserId, "journal"));
        Assert.Null(await store.GetOwnedWorkspaceAsync(mallory.UserId, journal.Id));
        Assert.Equal(journal, await store.GetOwnedWorkspaceAsync(alice.UserId, journal.Id));
        Assert.Null(await store.ResolveOwnedWorkspaceAsync(alice.UserId, ""));
        Assert.Null(await store.ResolveOwnedWorkspaceAsync("no-such-user", "default"));

        // The id wins over a name that happens to equal another workspace's id.
        var confusing = await store.CreateWorkspaceAsync(alice.UserId, journal.Id);
        Assert.NotNull(confusing);
        Assert.Equal(journal.Id, await store.ResolveOwnedWorkspaceAsync(alice.UserId, journal.Id));

        Assert.Equal(4L, await store.CountWorkspacesAsync());
    }

    [Fact]
    public async Task A_workspace_exists_by_id_whoever_owns_it_and_never_by_name()
    {
        using var dir = new StorageTestDirectory();
        using var db = new SqliteDatabase(dir.DbPath);
        var store = new SqliteAccountStore(db);
        var alice = await store.IssueTokenAsync("alice@example.com", null);
        var journal = await store.CreateWorkspaceAsync(alice.UserId, "journal");

        Assert.True(await store.WorkspaceExistsAsync(alice.DefaultWorkspaceId));
        Assert.True(await store.WorkspaceExistsAsync(journal!.Id));
        Assert.False(await store.WorkspaceExistsAsync("journal"));
        Assert.False(await store.WorkspaceExistsAsync("default"));
        Assert.False(await store.WorkspaceExistsAsync(Guid.NewGuid().ToString()));
        Assert.False(await store.WorkspaceExistsAsync(""));
    }

    [Fact]
    public async Task Share_sessions_are_found_case_insensitively_until_they_expire()
    {
        using var dir = new StorageTestDirectory();
        using var db = new SqliteDatabase(dir.DbPath);
        var clock = new ManualTimeProvider(Start);
        var store = new SqliteAccountStore(db, timeProvider: clock);
        var owner = await store.IssueTokenAsync("owner@example.com", null);
        var stranger = await store.IssueTokenAsync("stranger@example.com", null);

        var session = await store.CreateShareSessionAsync(owner.UserId, owner.DefaultWorkspaceId, readOnly: true);
        Assert.NotNull(session);
        Assert.Matches("^[A-Z0-9]{8}-[A-Z0-9]{8}$", session.Code);
        Assert.Equal(new ShareSession(session.Code, owner.DefaultWorkspaceId, owner.UserId, true), session);

        Assert.Equal(session, await store.GetShareSessionAsync(session.Code));
        Assert.Equal(session, await store.GetShareSessionAsync(session.Code.ToLowerInvariant()));
        Assert.Equal(session, await store.GetShareSessionAsync($" {session.Code.ToLowerInvariant()} "));
        Assert.Null(await store.GetShareSessionAsync("AAAAAAAA-AAAAAAAA"));
        Assert.Null(await store.GetShareSessionAsync("not a code"));

        // Only the owner of a workspace can share it; nothing is substituted.
        Assert.Null(await store.CreateShareSessionAsync(stranger.UserId, owner.DefaultWorkspaceId, readOnly: false));

        Assert.True(await store.SetShareSessionReadOnlyAsync(session.Code.ToLowerInvariant(), false));
        Assert.False((await store.GetShareSessionAsync(session.Code))!.ReadOnly);

        var expiring = await store.CreateShareSessionAsync(owner.UserId, owner.DefaultWorkspaceId, false, Start.AddMinutes(10));
        Assert.NotNull(expiring);
        Assert.NotEqual(session.Code, expiring.Code);
        clock.Advance(TimeSpan.FromMinutes(10) - TimeSpan.FromSeconds(1));
        Assert.NotNull(await store.GetShareSessionAsync(expiring.Code));
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Null(await store.GetShareSessionAsync(expiring.Code));
        Assert.False(await store.SetShareSessionReadOnlyAsync(expiring.Code, true));
        Assert.NotNull(await store.GetShareSessionAsync(session.Code)); // no expiry

        Assert.True(await store.DeleteShareSessionAsync(session.Code.ToLowerInvariant()));
        Assert.Null(await store.GetShareSessionAsync(session.Code));
        Assert.False(await store.DeleteShareSessionAsync(session.Code));
    }

    [Fact]
    public async Task Deleting_a_device_or_a_user_cascades()
    {
        using var dir = new StorageTestDirectory();
        using var db = new SqliteDatabase(dir.DbPath);
        var store = new SqliteAccountStore(db);
        var laptop = await store.IssueTokenAsync("gina@example.com", "laptop");
        var phone = await store.IssueTokenAsync("gina@example.com", "phone");
        var other = await store.IssueTokenAsync("hank@example.com", null);

        Assert.False(await store.DeleteDeviceAsync(other.UserId, laptop.DeviceId)); // not hers to delete
        Assert.True(await store.DeleteDeviceAsync(laptop.UserId, laptop.DeviceId));
        Assert.Null(await store.ValidateTokenAsync(laptop.Token));
        Assert.NotNull(await store.ValidateTokenAsync(phone.Token));

        var share = await store.CreateShareSessionAsync(phone.UserId, phone.DefaultWorkspaceId, false);
        Assert.Equal([phone.DefaultWorkspaceId], await store.DeleteUserAsync(phone.UserId));
        Assert.Null(await store.ValidateTokenAsync(phone.Token));
        Assert.Null(await store.GetShareSessionAsync(share!.Code));
        Assert.Null(await store.GetUserAsync(phone.UserId));
        Assert.Null(await store.ResolveOwnedWorkspaceAsync(phone.UserId, "default"));
        Assert.NotNull(await store.ValidateTokenAsync(other.Token));
        Assert.Empty(await store.DeleteUserAsync(phone.UserId));

        using var raw = dir.OpenRawConnection();
        Assert.Equal(1L, raw.Scalar("SELECT count(*) FROM devices;"));
        Assert.Equal(1L, raw.Scalar("SELECT count(*) FROM user_workspaces;"));
    }

    [Fact]
    public async Task Default_workspace_for_an_unknown_user_is_an_error()
    {
        using var dir = new StorageTestDirectory();
        using var db = new SqliteDatabase(dir.DbPath);
        var store = new SqliteAccountStore(db);
        await Assert.ThrowsAsync<InvalidOperationException>(() => store.GetOrCreateDefaultWorkspaceAsync("nobody"));
        await Assert.ThrowsAsync<ArgumentException>(() => store.IssueTokenAsync("   ", null));
    }

    [Fact]
    public void Tokens_and_codes_are_random_and_well_formed()
    {
        var tokens = Enumerable.Range(0, 1000).Select(_ => SecretTokens.NewToken()).ToList();
        Assert.Equal(tokens.Count, tokens.Distinct().Count());
        Assert.All(tokens, t => Assert.True(SecretTokens.IsWellFormedToken(t)));
        var codes = Enumerable.Range(0, 1000).Select(_ => SecretTokens.NewShareCode()).ToList();
        Assert.Equal(codes.Count, codes.Distinct().Count());
        Assert.All(codes, c => Assert.Equal(c, SecretTokens.NormalizeShareCode(c.ToLowerInvariant())));
        Assert.Null(SecretTokens.NormalizeShareCode("ABCDEFGH_ABCDEFGH"));
        Assert.Null(SecretTokens.NormalizeShareCode("ABCDEFGH-ABCDEFG"));
        Assert.Null(SecretTokens.NormalizeShareCode("ÄBCDEFGH-ABCDEFGH"));
        // All 36 symbols show up (uniform choice over A-Z0-9).
        Assert.Equal(36, codes.SelectMany(c => c).Where(ch => ch != '-').Distinct().Count());
    }

    private static bool Contains(byte[] haystack, byte[] needle) => haystack.AsSpan().IndexOf(needle) >= 0;
}
