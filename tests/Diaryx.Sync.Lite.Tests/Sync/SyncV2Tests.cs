using System.Text.Json;
using Diaryx.Sync.Lite.Tests.Infrastructure;

namespace Diaryx.Sync.Lite.Tests.Sync;

/// <summary>/sync2 against the real server with real yjs clients (tests/node/clients).</summary>
public sealed class SyncV2Tests(SyncServer server) : IClassFixture<SyncServer>
{
    private static string[] Strings(JsonElement array) => [.. array.EnumerateArray().Select(e => e.GetString()!)];

    [Theory]
    [InlineData(2)]
    [InlineData(6)]
    public async Task Clients_converge_on_workspace_and_body_documents(int clients)
    {
        var user = await server.NewUserAsync();
        var result = await server.RunV2ScenarioAsync("converge", new { url = server.SyncV2Url, token = user.Token, workspace = user.DefaultWorkspaceId, clients });
        Assert.Equal(clients, Strings(result.GetProperty("files")).Length);
        Assert.Equal(clients, result.GetProperty("text").GetString()!.Count(c => c == '['));
    }

    [Fact]
    public async Task Two_hundred_documents_share_one_socket()
    {
        var user = await server.NewUserAsync();
        var result = await server.RunV2ScenarioAsync("multiplex", new { url = server.SyncV2Url, token = user.Token, workspace = user.DefaultWorkspaceId, docs = 200 });
        Assert.Equal(200, result.GetProperty("documents").GetInt32());
    }

    [Fact]
    public async Task Awareness_is_relayed_and_removed_when_its_owner_disconnects()
    {
        var user = await server.NewUserAsync();
        var result = await server.RunV2ScenarioAsync("awareness", new { url = server.SyncV2Url, token = user.Token, workspace = user.DefaultWorkspaceId });
        Assert.True(result.GetProperty("removed").GetBoolean());
    }

    [Fact]
    public async Task A_non_empty_workspace_goes_through_the_files_ready_handshake()
    {
        var user = await server.NewUserAsync();
        var ws = user.DefaultWorkspaceId;
        var result = await server.RunV2ScenarioAsync("handshake", new { url = server.SyncV2Url, token = user.Token, workspace = ws });

        // file_manifest, then after FilesReady: crdt_state, sync_complete, SyncStep1 (0), awareness (1).
        var sequence = Strings(result.GetProperty("sequence"));
        Assert.Equal(["file_manifest", "crdt_state", "sync_complete", "binary:0", "binary:1"], sequence.Take(5));
        var manifest = result.GetProperty("manifest");
        Assert.False(manifest.GetProperty("client_is_new").GetBoolean());
        var files = manifest.GetProperty("files").EnumerateArray().ToList();
        Assert.Equal(["README.md", "daily/2026-11-25.md"], files.Select(f => f.GetProperty("filename").GetString()));
        Assert.Equal($"body:{ws}/README.md", files[0].GetProperty("doc_id").GetString());
        Assert.Equal("My Journal", files[0].GetProperty("title").GetString());
        Assert.Equal(2, result.GetProperty("syncComplete").GetProperty("files_synced").GetInt32());
        Assert.Equal(["README.md", "daily/2026-11-25.md"], Strings(result.GetProperty("crdtFiles")));
        Assert.Equal(["README.md", "daily/2026-11-25.md"], Strings(result.GetProperty("files")));
    }

    [Fact]
    public async Task Leave_tells_the_other_peer_and_stops_updates_for_the_leaver()
    {
        var user = await server.NewUserAsync();
        var result = await server.RunV2ScenarioAsync("leave", new { url = server.SyncV2Url, token = user.Token, workspace = user.DefaultWorkspaceId });
        Assert.Equal(user.UserId, result.GetProperty("peerJoined").GetProperty("guestId").GetString());
        Assert.Equal(1, result.GetProperty("peerLeft").GetProperty("peer_count").GetInt32());
        Assert.Equal("before save", result.GetProperty("bAfterLeave").GetString());
    }

    [Fact]
    public async Task Save_writes_a_snapshot_of_the_document()
    {
        var user = await server.NewUserAsync();
        await server.RunV2ScenarioAsync("leave", new { url = server.SyncV2Url, token = user.Token, workspace = user.DefaultWorkspaceId });
        var (hasSnapshot, logCount) = await server.StoredAsync($"body:{user.DefaultWorkspaceId}/leave.md");
        Assert.True(hasSnapshot);
        Assert.True(logCount <= 1, $"only the edit after the save may remain in the log ({logCount})");
    }

    [Fact]
    public async Task A_legacy_bare_workspace_id_and_the_prefixed_id_are_one_document()
    {
        var user = await server.NewUserAsync();
        var result = await server.RunV2ScenarioAsync("legacy", new { url = server.SyncV2Url, token = user.Token, workspace = user.DefaultWorkspaceId });
        Assert.Equal(["from-bare.md", "from-prefixed.md"], Strings(result.GetProperty("files")));
    }

    [Fact]
    public async Task One_socket_may_hold_a_document_under_two_ids_and_leave_one_of_them()
    {
        var user = await server.NewUserAsync();
        var result = await server.RunV2ScenarioAsync("twoNames", new { url = server.SyncV2Url, token = user.Token, workspace = user.DefaultWorkspaceId });
        Assert.Equal(["first.md", "second.md"], Strings(result.GetProperty("stillOpen")));
        Assert.Equal(["first.md"], Strings(result.GetProperty("left")));
    }

    [Fact]
    public async Task A_peer_that_stops_reading_is_dropped_without_holding_up_the_others()
    {
        var user = await server.NewUserAsync();
        var result = await server.RunV2ScenarioAsync("slow", new { url = server.SyncV2Url, token = user.Token, workspace = user.DefaultWorkspaceId, updates = 600 });
        Assert.Equal(600 * 64 * 1024, result.GetProperty("observed").GetInt32());
        Assert.True(result.GetProperty("slowClosed").GetBoolean());
        Assert.Contains("send queue full", server.Process.Output);
    }

    [Fact]
    public async Task The_log_is_folded_into_a_snapshot_as_it_grows()
    {
        var user = await server.NewUserAsync();
        await server.RunV2ScenarioAsync("edits", new { url = server.SyncV2Url, token = user.Token, workspace = user.DefaultWorkspaceId, path = "long.md", count = 2500 });
        var (hasSnapshot, logCount) = await server.StoredAsync($"body:{user.DefaultWorkspaceId}/long.md");
        Assert.True(hasSnapshot);
        Assert.InRange(logCount, 0, 1999); // a document compacts after 1,000 to 2,000 updates (HubOptions)
    }

    [Fact]
    public async Task A_guest_of_a_read_only_session_cannot_change_anything()
    {
        var owner = await server.NewUserAsync();
        var code = await server.ShareAsync(owner, readOnly: true);
        var result = await server.RunV2ScenarioAsync("readonly", new { url = server.SyncV2Url, token = owner.Token, workspace = owner.DefaultWorkspaceId, session = code });

        var joined = result.GetProperty("sessionJoined");
        Assert.True(joined.GetProperty("readOnly").GetBoolean());
        Assert.Equal(owner.DefaultWorkspaceId, joined.GetProperty("workspaceId").GetString());
        Assert.Equal("owner text", result.GetProperty("guestSaw").GetString());    // guests can read
        Assert.Equal("owner text", result.GetProperty("ownerText").GetString());   // nothing relayed
        Assert.Equal(["shared.md"], Strings(result.GetProperty("ownerFiles")));
        Assert.Equal("owner text", result.GetProperty("freshText").GetString());   // nothing applied or stored
    }

    [Fact]
    public async Task A_user_cannot_open_another_users_workspace()
    {
        var owner = await server.NewUserAsync();
        var intruder = await server.NewUserAsync();
        var result = await server.RunV2ScenarioAsync("foreign", new { url = server.SyncV2Url, token = owner.Token, otherToken = intruder.Token, workspace = owner.DefaultWorkspaceId });
        Assert.Equal(0, result.GetProperty("binaries").GetInt32());
        // Refused on every frame: opening the workspace, opening the body, and the update sent anyway.
        var errors = result.GetProperty("errors").EnumerateArray().Select(e => e.GetProperty("message").GetString()!).ToList();
        Assert.Equal(3, errors.Count);
        Assert.All(errors, message => Assert.StartsWith("access denied", message));
        Assert.Equal("", result.GetProperty("ownerText").GetString());
    }

    [Fact]
    public async Task Garbage_frames_leave_the_connection_and_other_documents_healthy()
    {
        var user = await server.NewUserAsync();
        var result = await server.RunV2ScenarioAsync("garbage", new { url = server.SyncV2Url, token = user.Token, workspace = user.DefaultWorkspaceId });
        Assert.True(result.GetProperty("open").GetBoolean());
        Assert.True(result.GetProperty("errors").GetInt32() >= 3);
        Assert.False(server.Process.HasExited);
    }
}

/// <summary>Durability over /sync2: what clients saw relayed survives a hard kill, a graceful stop and idle unloads.</summary>
public sealed class SyncV2RestartTests
{
    [Fact]
    public async Task A_graceful_stop_folds_every_log_into_snapshots_and_loses_nothing()
    {
        var server = SyncServer.With("--idle-unload-seconds", "0");
        await server.InitializeAsync();
        try
        {
            var user = await server.NewUserAsync();
            var arguments = new { url = server.SyncV2Url, token = user.Token, workspace = user.DefaultWorkspaceId, count = 3, handshake = true };
            await server.RunV2ScenarioAsync("write", arguments);
            await server.TerminateAndRestartAsync();
            for (var i = 0; i < 3; i++) Assert.Equal((true, 0), await server.StoredAsync($"body:{user.DefaultWorkspaceId}/keep/{i}.md"));
            Assert.Equal((true, 0), await server.StoredAsync($"workspace:{user.DefaultWorkspaceId}"));
            var result = await server.RunV2ScenarioAsync("read", arguments with { url = server.SyncV2Url });
            Assert.Equal(["kept 0", "kept 1", "kept 2"], result.GetProperty("texts").EnumerateArray().Select(t => t.GetString()));
        }
        finally
        {
            await server.DisposeAsync();
        }
    }

    [Fact]
    public async Task Idle_documents_unload_into_snapshots()
    {
        var server = SyncServer.With("--idle-unload-seconds", "1");
        await server.InitializeAsync();
        try
        {
            var user = await server.NewUserAsync();
            await server.RunV2ScenarioAsync("write", new { url = server.SyncV2Url, token = user.Token, workspace = user.DefaultWorkspaceId, count = 2 });
            var docId = $"body:{user.DefaultWorkspaceId}/keep/1.md";
            var deadline = DateTime.UtcNow.AddSeconds(20);
            while (await server.StoredAsync(docId) != (true, 0) && DateTime.UtcNow < deadline) await Task.Delay(200);
            Assert.Equal((true, 0), await server.StoredAsync(docId));
        }
        finally
        {
            await server.DisposeAsync();
        }
    }

    [Fact]
    public async Task Every_document_survives_a_crash_and_restart()
    {
        var server = SyncServer.With("--idle-unload-seconds", "0");
        await server.InitializeAsync();
        try
        {
            var user = await server.NewUserAsync();
            var arguments = new { url = server.SyncV2Url, token = user.Token, workspace = user.DefaultWorkspaceId, count = 5, handshake = true };
            await server.RunV2ScenarioAsync("write", arguments);
            await server.CrashAndRestartAsync();
            var result = await server.RunV2ScenarioAsync("read", arguments with { url = server.SyncV2Url });
            Assert.Equal(Enumerable.Range(0, 5).Select(i => $"kept {i}"), result.GetProperty("texts").EnumerateArray().Select(t => t.GetString()));
            Assert.Equal(Enumerable.Range(0, 5).Select(i => $"keep/{i}.md"), result.GetProperty("files").EnumerateArray().Select(t => t.GetString()));
        }
        finally
        {
            await server.DisposeAsync();
        }
    }
}
