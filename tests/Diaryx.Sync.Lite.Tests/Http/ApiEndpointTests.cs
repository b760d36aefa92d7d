using System.Net;
using System.Text.RegularExpressions;
using Diaryx.Sync.Lite.Tests.Infrastructure;

namespace Diaryx.Sync.Lite.Tests.Http;

/// <summary>/api (status, workspaces, has-data), /metrics and CORS against the real server over real HTTP.</summary>
public sealed class ApiEndpointTests(DevServer fixture) : IClassFixture<DevServer>
{
    private readonly HttpClient _http = fixture.CreateClient();

    private SyncServer Server => fixture.Server;

    [Fact]
    public async Task Status_reports_real_counts_with_the_upstream_keys()
    {
        var owner = await _http.SignInAsync();
        using var idle = await _http.GetAsync("api/status");
        Assert.Equal(HttpStatusCode.OK, idle.StatusCode);
        var json = await idle.JsonAsync();
        Assert.Equal(["status", "version", "active_connections", "active_rooms", "loaded_documents", "workspaces"], json.EnumerateObject().Select(p => p.Name));
        Assert.Equal("ok", json.GetProperty("status").GetString());
        Assert.Matches(new Regex(@"^\d+\.\d+\.\d+"), json.GetProperty("version").GetString()!);
        Assert.True(json.GetProperty("workspaces").GetInt64() >= 1);

        // Two live connections on the workspace: a guest and its owner.
        using var share = await _http.SendAsync(HttpMethod.Post, "api/sessions", owner.Token, $$"""{"workspace_id":"{{owner.WorkspaceId}}"}""");
        var code = (await share.JsonAsync()).GetProperty("code").GetString()!;
        var result = await Server.RunHttpScenarioAsync("peerCount", new { url = Server.SyncV2Url, http = Server.HttpUrl(), token = owner.Token, workspace = owner.WorkspaceId, session = code });
        var live = result.GetProperty("status").GetProperty("body");
        Assert.True(live.GetProperty("active_connections").GetInt32() >= 2, live.ToString());
        Assert.True(live.GetProperty("active_rooms").GetInt32() >= 1, live.ToString());
        Assert.True(live.GetProperty("loaded_documents").GetInt32() >= 1, live.ToString());

        // Both gone: the connection count falls back.
        var connections = -1;
        for (var i = 0; i < 100 && connections != 0; i++)
        {
            await Task.Delay(50);
            using var after = await _http.GetAsync("api/status");
            connections = (await after.JsonAsync()).GetProperty("active_connections").GetInt32();
        }

        Assert.Equal(0, connections);
    }

    [Fact]
    public async Task Workspaces_lists_only_the_callers_and_hides_others_with_an_empty_404()
    {
        var user = await _http.SignInAsync();
        var other = await _http.SignInAsync();

        using var list = await _http.SendAsync(HttpMethod.Get, "api/workspaces", user.Token);
        Assert.Equal($$"""[{"id":"{{user.WorkspaceId}}","name":"default"}]""", await list.Content.ReadAsStringAsync());

        using var own = await _http.SendAsync(HttpMethod.Get, $"api/workspaces/{user.WorkspaceId}", user.Token);
        Assert.Equal(HttpStatusCode.OK, own.StatusCode);
        Assert.Equal($$"""{"id":"{{user.WorkspaceId}}","name":"default"}""", await own.Content.ReadAsStringAsync());

        foreach (var id in (string[])[other.WorkspaceId, Guid.NewGuid().ToString(), "default"])
        {
            using var hidden = await _http.SendAsync(HttpMethod.Get, $"api/workspaces/{id}", user.Token);
            Assert.Equal(HttpStatusCode.NotFound, hidden.StatusCode);
            Assert.Equal("", await hidden.Content.ReadAsStringAsync());
        }
    }

    [Fact]
    public async Task Has_data_counts_the_entries_of_the_default_workspace()
    {
        var user = await _http.SignInAsync();
        using (var empty = await _http.SendAsync(HttpMethod.Get, "api/user/has-data", user.Token))
        {
            Assert.Equal("""{"has_data":false,"file_count":0}""", await empty.Content.ReadAsStringAsync());
        }

        await Server.RunV2ScenarioAsync("write", new { url = Server.SyncV2Url, token = user.Token, workspace = user.WorkspaceId, count = 3 });
        using var full = await _http.SendAsync(HttpMethod.Get, "api/user/has-data", user.Token);
        Assert.Equal("""{"has_data":true,"file_count":3}""", await full.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Metrics_are_prometheus_text_with_the_hub_counters()
    {
        var user = await _http.SignInAsync();
        await Server.RunV2ScenarioAsync("write", new { url = Server.SyncV2Url, token = user.Token, workspace = user.WorkspaceId, count = 2 });

        using var response = await _http.GetAsync("metrics");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains(response.Content.Headers.ContentType!.Parameters, p => p.Name == "version" && p.Value == "0.0.4");
        var text = await response.Content.ReadAsStringAsync();

        var values = new Dictionary<string, double>();
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            if (line.StartsWith('#'))
            {
                Assert.Matches(new Regex(@"^# (HELP \w+ .+|TYPE \w+ (gauge|counter))$"), line);
                continue;
            }

            var parts = line.Split(' ');
            Assert.Equal(2, parts.Length);
            Assert.Contains($"# TYPE {parts[0]} ", text);
            values[parts[0]] = double.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture);
        }

        foreach (var name in (string[])["diaryx_connections", "diaryx_documents_loaded", "diaryx_update_log_entries", "diaryx_update_log_bytes", "diaryx_compactions_total", "diaryx_messages_relayed_total"])
        {
            Assert.True(values.ContainsKey(name), name);
        }

        Assert.True(values["diaryx_updates_applied_total"] >= 4, text);
        Assert.True(values["diaryx_update_bytes_total"] > 0, text);
        Assert.True(values["diaryx_connections_total"] >= 1, text);
        Assert.True(values["diaryx_workspaces"] >= 1, text);
        Assert.True(values["diaryx_database_bytes"] > 0, text);
        Assert.True(values["process_cpu_seconds_total"] > 0, text);
        Assert.True(values["process_resident_memory_bytes"] > 1 << 20, text);
        Assert.True(values["diaryx_gc_heap_bytes"] > 0, text);
        Assert.True(values["diaryx_gc_allocated_bytes_total"] > 0, text);
        Assert.True(values["diaryx_gc_collections_total"] >= 0, text);
        Assert.True(values["diaryx_gc_pause_seconds_total"] >= 0, text);
    }

    [Fact]
    public async Task Cors_allows_the_app_origin_with_credentials_and_no_other()
    {
        // Default origin list: the origin of --app-base-url (http://localhost:5173).
        using var preflight = new HttpRequestMessage(HttpMethod.Options, "api/sessions/ABCDEFGH-ABCDEFGH");
        preflight.Headers.Add("Origin", "http://localhost:5173");
        preflight.Headers.Add("Access-Control-Request-Method", "PATCH");
        preflight.Headers.Add("Access-Control-Request-Headers", "authorization,content-type");
        using var allowed = await _http.SendAsync(preflight);
        Assert.Equal(HttpStatusCode.NoContent, allowed.StatusCode);
        Assert.Equal("http://localhost:5173", allowed.Headers.GetValues("Access-Control-Allow-Origin").Single());
        Assert.Equal("true", allowed.Headers.GetValues("Access-Control-Allow-Credentials").Single());
        Assert.Contains("PATCH", allowed.Headers.GetValues("Access-Control-Allow-Methods").Single().Split(','));
        Assert.Equal("Authorization,Content-Type", allowed.Headers.GetValues("Access-Control-Allow-Headers").Single());

        using var foreignPreflight = new HttpRequestMessage(HttpMethod.Options, "api/status");
        foreignPreflight.Headers.Add("Origin", "https://evil.example");
        foreignPreflight.Headers.Add("Access-Control-Request-Method", "GET");
        using var refused = await _http.SendAsync(foreignPreflight);
        Assert.False(refused.Headers.Contains("Access-Control-Allow-Origin"));

        using var simple = new HttpRequestMessage(HttpMethod.Get, "api/status");
        simple.Headers.Add("Origin", "http://localhost:5173");
        using var simpleResponse = await _http.SendAsync(simple);
        Assert.Equal("http://localhost:5173", simpleResponse.Headers.GetValues("Access-Control-Allow-Origin").Single());
    }

    [Fact]
    public async Task Cors_origins_come_from_the_flag()
    {
        await using var server = await ServerProcess.StartAsync(["--cors-origins", "https://a.example, https://b.example:8443"]);
        using var http = server.CreateClient();
        foreach (var (origin, allowed) in (ValueTuple<string, bool>[])[("https://a.example", true), ("https://b.example:8443", true), ("http://localhost:5173", false)])
        {
            using var request = new HttpRequestMessage(HttpMethod.Options, "auth/magic-link");
            request.Headers.Add("Origin", origin);
            request.Headers.Add("Access-Control-Request-Method", "POST");
            using var response = await http.SendAsync(request);
            Assert.Equal(allowed, response.Headers.TryGetValues("Access-Control-Allow-Origin", out var values) && values.Single() == origin);
        }
    }

    [Fact]
    public async Task Unknown_paths_are_404_and_wrong_methods_405()
    {
        using var unknown = await _http.GetAsync("api/nothing-here");
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        using var wrongMethod = await _http.DeleteAsync("api/status");
        Assert.Equal(HttpStatusCode.MethodNotAllowed, wrongMethod.StatusCode);
    }
}
