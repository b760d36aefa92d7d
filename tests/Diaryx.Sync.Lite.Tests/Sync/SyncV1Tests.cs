using System.Text.Json;
using Diaryx.Sync.Lite.Tests.Infrastructure;

namespace Diaryx.Sync.Lite.Tests.Sync;

/// <summary>/sync (v1) against the real server with real yjs clients (tests/node/clients/v1client.mjs).</summary>
public sealed class SyncV1Tests(SyncServer server) : IClassFixture<SyncServer>
{
    private static string[] Strings(JsonElement array) => [.. array.EnumerateArray().Select(e => e.GetString()!)];

    private string Url(string query) => $"{server.WsBase}/sync?{query}";

    [Fact]
    public async Task Bad_queries_are_refused_before_the_upgrade_with_the_upstream_statuses()
    {
        var user = await server.NewUserAsync();
        var other = await server.NewUserAsync();
        var code = await server.ShareAsync(user, readOnly: false);
        var token = Uri.EscapeDataString(user.Token);
        var cases = new (string Query, int Status)[]
        {
            ("", 400),                                                                  // neither session nor doc+token
            ("doc=default", 400),
            ($"token={token}", 400),
            ("doc=default&token=not-a-token", 401),
            ("doc=default&token=", 401),
            ("session=NOPE0000-NOPE0000", 404),
            ("session=", 404),
            ($"doc={other.DefaultWorkspaceId}&token={token}", 403),                     // another account's workspace
            ($"doc=workspace:{other.DefaultWorkspaceId}&token={token}&multiplexed=true", 403),
            ($"doc=default&token={token}&multiplexed=1", 400),                          // not a bool
            ($"doc=default&token={token}&file=../secret.md", 400),                      // not a safe path
            ($"doc=default&token={token}&file=/etc/passwd", 400),
            ($"doc=default&token={token}", 101),
            ($"doc=default&token={token}&file=notes/a.md", 101),
            ($"doc=default&token={token}&multiplexed=true&file=../ignored", 101),        // multiplexed wins over file
            ($"session={code}", 101),
            ($"session={code.ToLowerInvariant()}&doc=x&token=bad&file=a.md", 101),      // doc and token ignored in session mode
        };
        var result = await server.RunV1ScenarioAsync("statuses", new { urls = cases.Select(c => Url(c.Query)).ToArray() });
        var statuses = result.GetProperty("statuses").EnumerateArray().Select(s => s.GetInt32()).ToList();
        for (var i = 0; i < cases.Length; i++) Assert.True(cases[i].Status == statuses[i], $"?{cases[i].Query}: expected {cases[i].Status}, got {statuses[i]}");
    }

    [Fact]
    public async Task Workspace_names_resolve_to_ids_and_unknown_ones_to_the_default_workspace()
    {
        var alice = await server.NewUserAsync();
        var bob = await server.NewUserAsync();
        var journal = await server.NewWorkspaceAsync(alice, "journal");

        // "default" (a name), "workspace:<id>" and "<id>" are one room; an unknown doc falls back to it.
        var result = await server.RunV1ScenarioAsync("pair", new { @base = server.WsBase, token = alice.Token, doc = "default", otherDoc = $"workspace:{alice.DefaultWorkspaceId}" });
        Assert.Equal(["from-a.md", "from-b.md"], Strings(result.GetProperty("files")));
        await server.RunV1ScenarioAsync("pair", new { @base = server.WsBase, token = alice.Token, doc = "no-such-workspace", otherDoc = alice.DefaultWorkspaceId });
        await server.RunV1ScenarioAsync("pair", new { @base = server.WsBase, token = alice.Token, doc = "journal", otherDoc = $"workspace:{journal}" });

        // The data is stored under the ids (what /sync2 opens), never in a room literally named "default".
        var aliceDefault = await server.RunV1ScenarioAsync("read2", new { url2 = server.SyncV2Url, token = alice.Token, workspace = alice.DefaultWorkspaceId });
        Assert.Equal(["from-a.md", "from-b.md"], Strings(aliceDefault.GetProperty("files")));
        var aliceJournal = await server.RunV1ScenarioAsync("read2", new { url2 = server.SyncV2Url, token = alice.Token, workspace = journal });
        Assert.Equal(["from-a.md", "from-b.md"], Strings(aliceJournal.GetProperty("files")));
        var bobDefault = await server.RunV1ScenarioAsync("read2", new { url2 = server.SyncV2Url, token = bob.Token, workspace = bob.DefaultWorkspaceId });
        Assert.Empty(Strings(bobDefault.GetProperty("files")));
    }

    [Fact]
    public async Task An_empty_workspace_opens_with_its_full_state_and_step1_is_answered_in_one_frame()
    {
        var user = await server.NewUserAsync();
        var result = await server.RunV1ScenarioAsync("legacy", new { @base = server.WsBase, token = user.Token, doc = user.DefaultWorkspaceId });
        Assert.Equal("[\"binary\",\"\",[\"sync:1\"]]", result.GetProperty("first").GetRawText());
        Assert.Equal(["sync:1", "sync:0"], Strings(result.GetProperty("reply")));
        var syncCompletes = result.GetProperty("syncCompletes").EnumerateArray().ToList();
        Assert.Single(syncCompletes); // once per socket, after the first frame starting with SyncStep2
        Assert.Equal(0, syncCompletes[0].GetProperty("files_synced").GetInt32());
    }

    [Theory]
    [InlineData("files_ready")]
    [InlineData("FilesReady")]
    public async Task A_non_empty_workspace_goes_through_the_files_ready_handshake(string spelling)
    {
        var user = await server.NewUserAsync();
        var result = await RunWithArgsAsync("handshake", new { @base = server.WsBase, token = user.Token, doc = user.DefaultWorkspaceId, spelling });
        var sequence = Strings(result.GetProperty("sequence"));
        Assert.Equal(["file_manifest", "crdt_state", "binary:sync:1+sync:0"], sequence.Take(3));
        Assert.Contains("sync_complete", sequence);
        Assert.Equal(0, result.GetProperty("binaryBeforeReady").GetInt32());
        var manifest = result.GetProperty("manifest");
        Assert.True(manifest.GetProperty("client_is_new").GetBoolean());
        var files = manifest.GetProperty("files").EnumerateArray().ToDictionary(f => f.GetProperty("doc_id").GetString()!);
        Assert.Equal(["README.md", "old.md"], files.Keys.Order());
        Assert.Equal("My Journal", files["README.md"].GetProperty("title").GetString());
        Assert.False(files["README.md"].GetProperty("deleted").GetBoolean());
        Assert.True(files["old.md"].GetProperty("deleted").GetBoolean());
        Assert.Equal(JsonValueKind.Null, files["README.md"].GetProperty("part_of").ValueKind);
        Assert.Equal(["README.md", "old.md"], Strings(result.GetProperty("crdtFiles")));
        Assert.Equal(1, result.GetProperty("syncComplete").GetProperty("files_synced").GetInt32());
    }

    private Task<JsonElement> RunWithArgsAsync(string scenario, object arguments) => server.RunV1ScenarioAsync(scenario, arguments);

    [Fact]
    public async Task A_file_socket_opens_with_step1_and_a_v1_and_a_v2_client_edit_one_body_live()
    {
        var user = await server.NewUserAsync();
        var result = await server.RunV1ScenarioAsync("singlefile", new { @base = server.WsBase, url2 = server.SyncV2Url, token = user.Token, workspace = user.DefaultWorkspaceId, path = "notes/shared.md" });
        Assert.Equal("[\"binary\",\"\",[\"sync:0\"]]", result.GetProperty("opening").GetRawText());
        var text = result.GetProperty("text").GetString()!;
        Assert.Contains("from v1. ", text);
        Assert.Contains("from v2.", text);
        Assert.All(Enumerable.Range(0, 20), i => Assert.Contains($"a{i} ", text));
    }

    [Fact]
    public async Task A_multiplexed_socket_syncs_500_files_with_progress_and_per_path_routing()
    {
        var user = await server.NewUserAsync();
        var result = await server.RunV1ScenarioAsync("multiplexed", new { @base = server.WsBase, token = user.Token, workspace = user.DefaultWorkspaceId, count = 500 });
        Assert.Equal(500, result.GetProperty("files").GetInt32());
        Assert.Equal(["sync:1", "sync:0"], Strings(result.GetProperty("firstReply")));
        var progress = result.GetProperty("progress").EnumerateArray().Select(p => (p.GetProperty("completed").GetInt32(), p.GetProperty("total").GetInt32())).ToList();
        Assert.Equal([(100, 100), (200, 200), (300, 300), (400, 400), (500, 500)], progress);
        var complete = Assert.Single(result.GetProperty("syncComplete").EnumerateArray());
        Assert.Equal(500, complete.GetProperty("files_synced").GetInt32());
        Assert.Equal(["notes/n000.md"], Strings(result.GetProperty("narrowPaths")));
    }

    [Fact]
    public async Task Guests_get_session_joined_and_the_room_hears_correct_peer_counts()
    {
        var owner = await server.NewUserAsync();
        var code = await server.ShareAsync(owner, readOnly: false);
        var result = await server.RunV1ScenarioAsync("guests", new { @base = server.WsBase, token = owner.Token, workspace = owner.DefaultWorkspaceId, session = code });
        Assert.Equal(["session_joined", "binary:sync:1"], Strings(result.GetProperty("guestSequence")));
        var joined = result.GetProperty("sessionJoined");
        Assert.Equal(code, joined.GetProperty("joinCode").GetString());
        Assert.Equal(owner.DefaultWorkspaceId, joined.GetProperty("workspaceId").GetString());
        Assert.False(joined.GetProperty("readOnly").GetBoolean());
        var events = result.GetProperty("peerEvents").EnumerateArray()
            .Select(e => $"{e.GetProperty("type").GetString()} {e.GetProperty("guest_id").GetString()?.StartsWith("guest-") switch { true => "guest-*", _ => e.GetProperty("guest_id").GetString() }} {e.GetProperty("peer_count").GetInt32()}")
            .ToList();
        // host metadata + visitor-1 = 2; + a second guest = 3; each leave counts without the leaver.
        Assert.Equal(["peer_joined visitor-1 2", "peer_joined guest-* 3", "peer_left guest-* 2", "peer_left visitor-1 1"], events);
    }

    [Fact]
    public async Task A_read_only_guest_changes_nothing_over_any_kind_of_socket()
    {
        var owner = await server.NewUserAsync();
        var code = await server.ShareAsync(owner, readOnly: true);
        var result = await server.RunV1ScenarioAsync("readonly", new { @base = server.WsBase, token = owner.Token, workspace = owner.DefaultWorkspaceId, session = code });
        Assert.True(result.GetProperty("sessionJoined").GetProperty("readOnly").GetBoolean());
        Assert.Equal("owner text", result.GetProperty("guestSaw").GetString());
        Assert.Equal("owner text", result.GetProperty("ownerText").GetString());
        Assert.Equal(["shared.md"], Strings(result.GetProperty("ownerFiles")));
        Assert.Equal("owner text", result.GetProperty("freshText").GetString());
    }

    [Fact]
    public async Task Focus_lists_reach_the_room_and_are_cleared_on_disconnect()
    {
        var user = await server.NewUserAsync();
        var result = await server.RunV1ScenarioAsync("focus", new { @base = server.WsBase, token = user.Token, workspace = user.DefaultWorkspaceId });
        var lists = result.GetProperty("meta").EnumerateArray().Select(l => string.Join(",", Strings(l))).ToList();
        Assert.Equal(["a.md", "a.md,b.md", "a.md,b.md,c.md", "a.md,b.md", ""], lists);
        Assert.Equal(["a.md", "b.md", "c.md"], Strings(result.GetProperty("onConnect")));
    }

    [Fact]
    public async Task Malformed_input_gets_one_clear_error_and_breaks_nothing_else()
    {
        var user = await server.NewUserAsync();
        var result = await server.RunV1ScenarioAsync("garbage", new { @base = server.WsBase, token = user.Token, workspace = user.DefaultWorkspaceId });
        Assert.Single(Strings(result.GetProperty("metaErrors")), m => m.StartsWith("malformed message dropped"));
        var muxErrors = Strings(result.GetProperty("muxErrors"));
        Assert.Equal(4, muxErrors.Length);
        Assert.StartsWith("malformed frame dropped", muxErrors[0]);
        Assert.StartsWith("malformed frame dropped", muxErrors[1]);
        Assert.StartsWith("invalid path", muxErrors[2]);
        Assert.StartsWith("malformed message dropped", muxErrors[3]);
        Assert.Equal("still works", result.GetProperty("fileText").GetString());
        Assert.Equal(1007, result.GetProperty("fileClose").GetInt32());
        Assert.True(result.GetProperty("metaStillWorks").GetBoolean());
        Assert.False(server.Process.HasExited);
    }

    [Fact]
    public async Task The_stock_y_websocket_provider_syncs_and_shares_awareness()
    {
        var user = await server.NewUserAsync();
        var result = await server.RunV1ScenarioAsync("provider", new { @base = server.WsBase, token = user.Token, workspace = user.DefaultWorkspaceId, path = "provider.md" });
        Assert.Equal("hello from A, and B", result.GetProperty("text").GetString());
    }
}

/// <summary>/sync with <c>--v1-handshake off</c>, and durability of what was written over /sync.</summary>
public sealed class SyncV1ServerOptionTests
{
    [Fact]
    public async Task With_the_handshake_off_a_non_empty_workspace_opens_with_its_full_state()
    {
        var server = SyncServer.With("--v1-handshake", "off");
        await server.InitializeAsync();
        try
        {
            var user = await server.NewUserAsync();
            var result = await server.RunV1ScenarioAsync("nohandshake", new { @base = server.WsBase, token = user.Token, doc = "default" });
            Assert.Equal("binary:sync:1", result.GetProperty("sequence")[0].GetString());
            Assert.Equal(["README.md"], result.GetProperty("files").EnumerateArray().Select(f => f.GetString()));
        }
        finally
        {
            await server.DisposeAsync();
        }
    }

    [Fact]
    public async Task Data_written_over_v1_survives_a_crash_and_restart()
    {
        var server = SyncServer.With("--idle-unload-seconds", "0");
        await server.InitializeAsync();
        try
        {
            var user = await server.NewUserAsync();
            var arguments = new { @base = server.WsBase, token = user.Token, workspace = user.DefaultWorkspaceId, count = 5 };
            await server.RunV1ScenarioAsync("write", arguments);
            await server.CrashAndRestartAsync();
            var result = await server.RunV1ScenarioAsync("readback", arguments with { @base = server.WsBase });
            Assert.Equal(Enumerable.Range(0, 5).Select(i => $"kept {i}"), result.GetProperty("texts").EnumerateArray().Select(t => t.GetString()));
            Assert.Equal(Enumerable.Range(0, 5).Select(i => $"keep/{i}.md"), result.GetProperty("files").EnumerateArray().Select(t => t.GetString()));
        }
        finally
        {
            await server.DisposeAsync();
        }
    }
}
