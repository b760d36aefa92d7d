using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Diaryx.Sync.Lite.Tests.Infrastructure;

namespace Diaryx.Sync.Lite.Tests.Http;

/// <summary>/api/sessions against the real server: the routes, owner checks, and guests connected over /sync2 while their session changes.</summary>
public sealed class SessionEndpointTests(DevServer fixture) : IClassFixture<DevServer>
{
    private static readonly Regex CodeShape = new("^[A-Z0-9]{8}-[A-Z0-9]{8}$");

    private readonly HttpClient _http = fixture.CreateClient();

    private SyncServer Server => fixture.Server;

    private async Task<string> ShareAsync(SignedIn owner, bool readOnly = false)
    {
        using var response = await _http.SendAsync(HttpMethod.Post, "api/sessions", owner.Token, JsonSerializer.Serialize(new { workspace_id = owner.WorkspaceId, read_only = readOnly }));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.JsonAsync()).GetProperty("code").GetString()!;
    }

    private static async Task AssertErrorAsync(HttpResponseMessage response, HttpStatusCode status, string message)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal(JsonSerializer.Serialize(new { error = message }), await response.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("api/sessions")]
    [InlineData("api/sessions/")]
    public async Task Create_answers_200_with_the_code_workspace_and_read_only(string path)
    {
        var owner = await _http.SignInAsync();
        using var response = await _http.SendAsync(HttpMethod.Post, path, owner.Token, $$"""{"workspace_id":"{{owner.WorkspaceId}}"}""");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var json = await response.JsonAsync();
        Assert.Equal(["code", "workspace_id", "read_only"], json.EnumerateObject().Select(p => p.Name));
        Assert.Matches(CodeShape, json.GetProperty("code").GetString()!);
        Assert.Equal(owner.WorkspaceId, json.GetProperty("workspace_id").GetString());
        Assert.False(json.GetProperty("read_only").GetBoolean());

        using var readOnly = await _http.SendAsync(HttpMethod.Post, path, owner.Token, $$"""{"workspace_id":"{{owner.WorkspaceId}}","read_only":true}""");
        var readOnlyJson = await readOnly.JsonAsync();
        Assert.True(readOnlyJson.GetProperty("read_only").GetBoolean());
        Assert.NotEqual(json.GetProperty("code").GetString(), readOnlyJson.GetProperty("code").GetString());
    }

    [Fact]
    public async Task Create_refuses_a_workspace_the_caller_does_not_own()
    {
        var owner = await _http.SignInAsync();
        var intruder = await _http.SignInAsync();
        foreach (var workspace in (string[])[owner.WorkspaceId, Guid.NewGuid().ToString(), "default"])
        {
            using var response = await _http.SendAsync(HttpMethod.Post, "api/sessions", intruder.Token, JsonSerializer.Serialize(new { workspace_id = workspace }));
            await AssertErrorAsync(response, HttpStatusCode.NotFound, "Workspace not found");
        }

        using var missing = await _http.SendAsync(HttpMethod.Post, "api/sessions", intruder.Token, """{"read_only":true}""");
        Assert.Equal(HttpStatusCode.UnprocessableEntity, missing.StatusCode);
        using var mistyped = await _http.SendAsync(HttpMethod.Post, "api/sessions", intruder.Token, $$"""{"workspace_id":"{{intruder.WorkspaceId}}","read_only":"yes"}""");
        Assert.Equal(HttpStatusCode.UnprocessableEntity, mistyped.StatusCode);
    }

    [Fact]
    public async Task Get_needs_no_auth_ignores_case_and_404s_unknown_codes()
    {
        var owner = await _http.SignInAsync();
        var code = await ShareAsync(owner, readOnly: true);

        using var response = await _http.GetAsync($"api/sessions/{code.ToLowerInvariant()}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(JsonSerializer.Serialize(new { code, workspace_id = owner.WorkspaceId, read_only = true, peer_count = 0 }), await response.Content.ReadAsStringAsync());

        foreach (var unknown in (string[])["AAAAAAAA-AAAAAAAA", "not-a-code", code + "X", code.Replace("-", "")])
        {
            using var missing = await _http.GetAsync($"api/sessions/{unknown}");
            await AssertErrorAsync(missing, HttpStatusCode.NotFound, "Session not found or expired");
        }
    }

    [Fact]
    public async Task Get_counts_the_peers_on_the_workspace()
    {
        var owner = await _http.SignInAsync();
        var code = await ShareAsync(owner);
        var result = await Server.RunHttpScenarioAsync("peerCount", new { url = Server.SyncV2Url, http = Server.HttpUrl(), token = owner.Token, workspace = owner.WorkspaceId, session = code });
        var info = result.GetProperty("info");
        Assert.Equal(200, info.GetProperty("status").GetInt32());
        Assert.Equal(2, info.GetProperty("body").GetProperty("peer_count").GetInt32());
        Assert.Equal(code, info.GetProperty("body").GetProperty("code").GetString());
    }

    [Fact]
    public async Task Patch_is_for_the_owner_only()
    {
        var owner = await _http.SignInAsync();
        var other = await _http.SignInAsync();
        var code = await ShareAsync(owner);

        using var forbidden = await _http.SendAsync(HttpMethod.Patch, $"api/sessions/{code}", other.Token, """{"read_only":true}""");
        await AssertErrorAsync(forbidden, HttpStatusCode.Forbidden, "Only the session owner can update the session");
        using var unknown = await _http.SendAsync(HttpMethod.Patch, "api/sessions/AAAAAAAA-AAAAAAAA", owner.Token, """{"read_only":true}""");
        await AssertErrorAsync(unknown, HttpStatusCode.NotFound, "Session not found or expired");
        using var noField = await _http.SendAsync(HttpMethod.Patch, $"api/sessions/{code}", owner.Token, "{}");
        Assert.Equal(HttpStatusCode.UnprocessableEntity, noField.StatusCode);

        using var patched = await _http.SendAsync(HttpMethod.Patch, $"api/sessions/{code.ToLowerInvariant()}", owner.Token, """{"read_only":true}""");
        Assert.Equal(HttpStatusCode.OK, patched.StatusCode);
        Assert.Equal(JsonSerializer.Serialize(new { code, read_only = true }), await patched.Content.ReadAsStringAsync());
        using var info = await _http.GetAsync($"api/sessions/{code}");
        Assert.True((await info.JsonAsync()).GetProperty("read_only").GetBoolean());
    }

    [Fact]
    public async Task Delete_is_for_the_owner_only_and_ends_the_session()
    {
        var owner = await _http.SignInAsync();
        var other = await _http.SignInAsync();
        var code = await ShareAsync(owner);

        using var forbidden = await _http.SendAsync(HttpMethod.Delete, $"api/sessions/{code}", other.Token);
        await AssertErrorAsync(forbidden, HttpStatusCode.Forbidden, "Only the session owner can end the session");

        using var ended = await _http.SendAsync(HttpMethod.Delete, $"api/sessions/{code}", owner.Token);
        Assert.Equal(HttpStatusCode.NoContent, ended.StatusCode);
        Assert.Equal("", await ended.Content.ReadAsStringAsync());

        using var gone = await _http.GetAsync($"api/sessions/{code}");
        await AssertErrorAsync(gone, HttpStatusCode.NotFound, "Session not found or expired");
        using var again = await _http.SendAsync(HttpMethod.Delete, $"api/sessions/{code}", owner.Token);
        await AssertErrorAsync(again, HttpStatusCode.NotFound, "Session not found or expired");
    }

    [Fact]
    public async Task A_connected_guest_made_read_only_stops_writing_at_once()
    {
        var owner = await _http.SignInAsync();
        var code = await ShareAsync(owner);
        var result = await Server.RunHttpScenarioAsync("guestMadeReadOnly", new { url = Server.SyncV2Url, http = Server.HttpUrl(), token = owner.Token, workspace = owner.WorkspaceId, session = code });

        Assert.Equal(200, result.GetProperty("patch").GetProperty("status").GetInt32());
        Assert.True(result.GetProperty("patch").GetProperty("body").GetProperty("read_only").GetBoolean());
        Assert.Equal("guest-before ", result.GetProperty("ownerTextWhileReadOnly").GetString());
        Assert.Equal(200, result.GetProperty("unpatch").GetProperty("status").GetInt32());
        Assert.Equal("guest-before ", result.GetProperty("storedText").GetString());
    }

    [Fact]
    public async Task A_connected_guest_whose_session_ends_hears_it_and_is_disconnected()
    {
        var owner = await _http.SignInAsync();
        var code = await ShareAsync(owner);
        var result = await Server.RunHttpScenarioAsync("guestSessionEnded", new { url = Server.SyncV2Url, http = Server.HttpUrl(), token = owner.Token, workspace = owner.WorkspaceId, session = code });

        Assert.Equal(204, result.GetProperty("status").GetInt32());
        Assert.Equal(1000, result.GetProperty("closeCode").GetInt32());
        Assert.Equal("session ended", result.GetProperty("closeReason").GetString());
        Assert.Equal("guest-before ", result.GetProperty("ownerText").GetString());
        Assert.Equal(404, result.GetProperty("getAfter").GetProperty("status").GetInt32());
        Assert.Equal("guest-before ", result.GetProperty("storedText").GetString());
    }
}
