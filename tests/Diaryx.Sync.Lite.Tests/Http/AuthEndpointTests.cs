using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Diaryx.Sync.Lite.Tests.Http;

/// <summary>/auth against the real server (with --dev, so magic links come back as dev_link) over real HTTP.</summary>
public sealed class AuthEndpointTests(DevServer fixture) : IClassFixture<DevServer>
{
    private readonly HttpClient _http = fixture.CreateClient();

    private static string NewEmail() => $"user-{Guid.NewGuid():N}@example.test";

    [Fact]
    public async Task Magic_link_normalises_the_email_and_returns_the_dev_link()
    {
        var email = NewEmail();
        using var response = await _http.RequestMagicLinkAsync($"  {email.ToUpperInvariant()}  ");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var raw = await response.Content.ReadAsStringAsync();
        var json = await response.JsonAsync();
        Assert.True(json.GetProperty("success").GetBoolean());
        Assert.Equal("Email not configured. Use the dev link below.", json.GetProperty("message").GetString());
        var link = json.GetProperty("dev_link").GetString()!;
        Assert.Matches(new Regex("^http://localhost:5173\\?token=[A-Za-z0-9_-]{43}$"), link);
        Assert.StartsWith("{\"success\":true,\"message\":", raw);

        using var verify = await _http.GetAsync($"auth/verify?token={HttpApi.TokenOf(link)}");
        Assert.Equal(email, (await verify.JsonAsync()).GetProperty("user").GetProperty("email").GetString());
    }

    [Theory]
    [InlineData("")]
    [InlineData("    ")]
    [InlineData("nobody")]
    [InlineData("a@b")]
    [InlineData(" a@b ")]
    public async Task Magic_link_refuses_an_invalid_email(string email)
    {
        using var response = await _http.RequestMagicLinkAsync(email);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("Invalid email address", (await response.JsonAsync()).GetProperty("error").GetString());
    }

    [Fact]
    public async Task Magic_link_body_errors_answer_like_the_upstream_json_extractor()
    {
        using var wrongType = await _http.PostAsync("auth/magic-link", new StringContent("{\"email\":\"a@b.cd\"}"));
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, wrongType.StatusCode);

        using var syntax = await _http.SendAsync(HttpMethod.Post, "auth/magic-link", json: "{\"email\":");
        Assert.Equal(HttpStatusCode.BadRequest, syntax.StatusCode);
        Assert.Equal("text/plain", syntax.Content.Headers.ContentType?.MediaType);

        foreach (var unfit in (string[])["{}", "{\"email\":5}", "{\"email\":null}", "[]"])
        {
            using var response = await _http.SendAsync(HttpMethod.Post, "auth/magic-link", json: unfit);
            Assert.True(response.StatusCode == HttpStatusCode.UnprocessableEntity, $"{unfit}: {response.StatusCode}");
        }

        var huge = JsonSerializer.Serialize(new { email = NewEmail(), padding = new string('x', 2 * 1024 * 1024) });
        using var tooBig = await _http.SendAsync(HttpMethod.Post, "auth/magic-link", json: huge);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, tooBig.StatusCode);
    }

    [Fact]
    public async Task Magic_links_are_limited_to_three_per_email_per_hour()
    {
        var email = NewEmail();
        for (var i = 0; i < 3; i++)
        {
            using var ok = await _http.RequestMagicLinkAsync(i == 1 ? email.ToUpperInvariant() : email);
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        }

        using var limited = await _http.RequestMagicLinkAsync($" {email} ");
        Assert.Equal((HttpStatusCode)429, limited.StatusCode);
        Assert.Equal("Too many requests. Please try again later.", (await limited.JsonAsync()).GetProperty("error").GetString());
        // The allowance refills one link per 20 minutes.
        Assert.InRange(limited.Headers.RetryAfter?.Delta ?? TimeSpan.Zero, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(20));

        using var other = await _http.RequestMagicLinkAsync(NewEmail());
        Assert.Equal(HttpStatusCode.OK, other.StatusCode);
    }

    [Fact]
    public async Task Magic_link_then_verify_then_real_yjs_clients_sync_with_the_verified_token()
    {
        var user = await _http.SignInAsync(deviceName: "web");
        var converged = await fixture.Server.RunV2ScenarioAsync("converge", new { url = fixture.Server.SyncV2Url, token = user.Token, workspace = user.WorkspaceId, clients = 2 });
        Assert.Equal(2, converged.GetProperty("files").GetArrayLength());

        using var hasData = await _http.SendAsync(HttpMethod.Get, "api/user/has-data", user.Token);
        Assert.True((await hasData.JsonAsync()).GetProperty("has_data").GetBoolean());
    }

    [Fact]
    public async Task Concurrent_magic_link_requests_cannot_pass_the_limit_together()
    {
        var email = NewEmail();
        var responses = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => _http.RequestMagicLinkAsync(email)));
        Assert.Equal(3, responses.Count(r => r.StatusCode == HttpStatusCode.OK));
        Assert.Equal(7, responses.Count(r => r.StatusCode == (HttpStatusCode)429));
        foreach (var response in responses)
        {
            response.Dispose();
        }
    }

    [Fact]
    public async Task A_missing_field_is_named_in_the_422_text()
    {
        using var response = await _http.SendAsync(HttpMethod.Post, "auth/magic-link", json: "{\"mail\":\"a@b.cd\"}");
        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        var text = await response.Content.ReadAsStringAsync();
        Assert.Contains("'email'", text);
        Assert.DoesNotContain("Diaryx", text);
    }

    [Fact]
    public async Task Verify_creates_user_device_session_and_default_workspace_and_is_single_use()
    {
        var email = NewEmail();
        using var link = await _http.RequestMagicLinkAsync(email);
        var token = HttpApi.TokenOf((await link.JsonAsync()).GetProperty("dev_link").GetString()!);

        using var verify = await _http.GetAsync($"auth/verify?token={token}&device_name=My%20Laptop");
        Assert.Equal(HttpStatusCode.OK, verify.StatusCode);
        var json = await verify.JsonAsync();
        Assert.Equal(["success", "token", "user"], json.EnumerateObject().Select(p => p.Name));
        Assert.True(json.GetProperty("success").GetBoolean());
        var session = json.GetProperty("token").GetString()!;
        Assert.Matches(new Regex("^[A-Za-z0-9_-]{43}$"), session);
        var userId = json.GetProperty("user").GetProperty("id").GetString()!;
        Assert.True(Guid.TryParse(userId, out _));
        Assert.Equal(email, json.GetProperty("user").GetProperty("email").GetString());

        using var again = await _http.GetAsync($"auth/verify?token={token}");
        Assert.Equal(HttpStatusCode.BadRequest, again.StatusCode);
        Assert.Equal("Invalid or expired link. Please request a new one.", (await again.JsonAsync()).GetProperty("error").GetString());

        using var me = await _http.SendAsync(HttpMethod.Get, "auth/me", session);
        var meJson = await me.JsonAsync();
        Assert.Equal(userId, meJson.GetProperty("user").GetProperty("id").GetString());
        var workspace = Assert.Single(meJson.GetProperty("workspaces").EnumerateArray());
        Assert.Equal("default", workspace.GetProperty("name").GetString());
        var device = Assert.Single(meJson.GetProperty("devices").EnumerateArray());
        Assert.Equal("My Laptop", device.GetProperty("name").GetString());

        // Signing in again: same user, same default workspace, a second device.
        var second = await _http.SignInAsync(email);
        Assert.Equal(userId, second.UserId);
        Assert.Equal(workspace.GetProperty("id").GetString(), second.WorkspaceId);
        using var devices = await _http.SendAsync(HttpMethod.Get, "auth/devices", second.Token);
        Assert.Equal(2, (await devices.JsonAsync()).GetArrayLength());
    }

    [Theory]
    [InlineData("auth/verify")]
    [InlineData("auth/verify?device_name=x")]
    public async Task Verify_without_a_token_is_a_bad_request(string path)
    {
        using var response = await _http.GetAsync(path);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
    }

    [Theory]
    [InlineData("garbage")]
    [InlineData("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    [InlineData("")]
    public async Task Verify_with_an_unknown_token_is_refused(string token)
    {
        using var response = await _http.GetAsync($"auth/verify?token={token}");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("Invalid or expired link. Please request a new one.", (await response.JsonAsync()).GetProperty("error").GetString());
    }

    public static TheoryData<string, string> SignedInRoutes => new()
    {
        { "GET", "auth/me" },
        { "POST", "auth/logout" },
        { "GET", "auth/devices" },
        { "DELETE", "auth/devices/00000000-0000-0000-0000-000000000000" },
        { "DELETE", "auth/account" },
        { "GET", "api/workspaces" },
        { "GET", "api/workspaces/00000000-0000-0000-0000-000000000000" },
        { "GET", "api/user/has-data" },
        { "POST", "api/sessions" },
        { "PATCH", "api/sessions/AAAAAAAA-AAAAAAAA" },
        { "DELETE", "api/sessions/AAAAAAAA-AAAAAAAA" },
    };

    [Theory]
    [MemberData(nameof(SignedInRoutes))]
    public async Task Signed_in_routes_answer_401_text_without_a_valid_token(string method, string path)
    {
        foreach (var token in (string?[])[null, "not-a-token", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"])
        {
            using var response = await _http.SendAsync(new HttpMethod(method), path, token, json: method is "POST" or "PATCH" ? "{}" : null);
            Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, $"{method} {path} with {token ?? "no token"}: {response.StatusCode}");
            Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
            Assert.Equal("Authentication required", await response.Content.ReadAsStringAsync());
        }
    }

    [Fact]
    public async Task The_token_is_read_from_the_bearer_header_first_then_the_query()
    {
        var user = await _http.SignInAsync();
        using var byQuery = await _http.GetAsync($"auth/me?x=1&token={user.Token}");
        Assert.Equal(HttpStatusCode.OK, byQuery.StatusCode);

        // A bearer header wins over the query, even when the query's token is valid.
        using var request = HttpApi.Request(HttpMethod.Get, $"auth/me?token={user.Token}", token: "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
        using var headerWins = await _http.SendAsync(request);
        Assert.Equal(HttpStatusCode.Unauthorized, headerWins.StatusCode);

        // A non-Bearer Authorization header is ignored: the query token is used.
        using var basic = new HttpRequestMessage(HttpMethod.Get, $"auth/me?token={user.Token}");
        basic.Headers.TryAddWithoutValidation("Authorization", "Basic dXNlcjpwYXNz");
        using var basicResponse = await _http.SendAsync(basic);
        Assert.Equal(HttpStatusCode.OK, basicResponse.StatusCode);
    }

    [Fact]
    public async Task Me_lists_the_user_its_workspaces_and_devices_with_rfc3339_times()
    {
        var user = await _http.SignInAsync(deviceName: "phone");
        using var response = await _http.SendAsync(HttpMethod.Get, "auth/me", user.Token);
        var raw = await response.Content.ReadAsStringAsync();
        var json = await response.JsonAsync();
        Assert.Equal(["user", "workspaces", "devices"], json.EnumerateObject().Select(p => p.Name));
        Assert.Equal(user.Email, json.GetProperty("user").GetProperty("email").GetString());
        Assert.Equal([user.WorkspaceId], json.GetProperty("workspaces").EnumerateArray().Select(w => w.GetProperty("id").GetString()));
        var device = json.GetProperty("devices")[0];
        Assert.Equal(["id", "name", "last_seen_at"], device.EnumerateObject().Select(p => p.Name));
        var seen = device.GetProperty("last_seen_at").GetString()!;
        Assert.Matches(new Regex(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00$"), seen);
        Assert.Contains("+00:00\"", raw); // not escaped as \u002B
        Assert.True(Math.Abs((DateTimeOffset.Parse(seen) - DateTimeOffset.UtcNow).TotalMinutes) < 5);
    }

    [Fact]
    public async Task Devices_are_listed_most_recently_seen_first_with_null_names()
    {
        var first = await _http.SignInAsync();
        var second = await _http.SignInAsync(first.Email, "named");
        using var response = await _http.SendAsync(HttpMethod.Get, "auth/devices", second.Token);
        var devices = (await response.JsonAsync()).EnumerateArray().ToList();
        Assert.Equal(2, devices.Count);
        Assert.Contains(devices, d => d.GetProperty("name").ValueKind == JsonValueKind.Null);
        Assert.Contains(devices, d => d.GetProperty("name").GetString() == "named");
        var seen = devices.Select(d => DateTimeOffset.Parse(d.GetProperty("last_seen_at").GetString()!)).ToList();
        Assert.True(seen[0] >= seen[1]);
    }

    [Fact]
    public async Task Logout_ends_the_session_for_http_and_sync2_only()
    {
        var user = await _http.SignInAsync();
        var other = await _http.SignInAsync(user.Email);

        using var logout = await _http.SendAsync(HttpMethod.Post, "auth/logout", user.Token);
        Assert.Equal(HttpStatusCode.NoContent, logout.StatusCode);
        Assert.Equal("", await logout.Content.ReadAsStringAsync());

        using var me = await _http.SendAsync(HttpMethod.Get, "auth/me", user.Token);
        Assert.Equal(HttpStatusCode.Unauthorized, me.StatusCode);
        using var again = await _http.SendAsync(HttpMethod.Post, "auth/logout", user.Token);
        Assert.Equal(HttpStatusCode.Unauthorized, again.StatusCode);

        var refused = await fixture.Server.RunHttpScenarioAsync("open", new { url = fixture.Server.SyncV2Url, token = user.Token, workspace = user.WorkspaceId });
        Assert.False(refused.GetProperty("synced").GetBoolean());
        Assert.Equal(0, refused.GetProperty("binaries").GetInt32());
        Assert.Contains("access denied", refused.GetProperty("errors")[0].GetString());

        // The same user's other session still works.
        var accepted = await fixture.Server.RunHttpScenarioAsync("open", new { url = fixture.Server.SyncV2Url, token = other.Token, workspace = user.WorkspaceId });
        Assert.True(accepted.GetProperty("synced").GetBoolean());
    }

    [Fact]
    public async Task Logout_closes_the_live_connections_of_the_session()
    {
        var user = await _http.SignInAsync();
        var result = await fixture.Server.RunHttpScenarioAsync("closedByRequest", new
        {
            url = fixture.Server.SyncV2Url, http = fixture.Server.HttpUrl(), token = user.Token, workspace = user.WorkspaceId,
            request = new { method = "POST", path = "/auth/logout", token = user.Token },
        });
        Assert.Equal(204, result.GetProperty("status").GetInt32());
        Assert.True(result.GetProperty("closed").GetBoolean());
    }

    [Fact]
    public async Task Deleting_a_device_revokes_its_token_and_closes_its_connections()
    {
        var laptop = await _http.SignInAsync(deviceName: "laptop");
        var phone = await _http.SignInAsync(laptop.Email, "phone");
        var stranger = await _http.SignInAsync();
        using var devices = await _http.SendAsync(HttpMethod.Get, "auth/devices", phone.Token);
        var ids = (await devices.JsonAsync()).EnumerateArray().ToDictionary(d => d.GetProperty("name").GetString()!, d => d.GetProperty("id").GetString()!);

        // Own current device: 400; someone else's or an unknown device: 404; all with empty bodies.
        using var current = await _http.SendAsync(HttpMethod.Delete, $"auth/devices/{ids["phone"]}", phone.Token);
        Assert.Equal(HttpStatusCode.BadRequest, current.StatusCode);
        Assert.Equal("", await current.Content.ReadAsStringAsync());
        using var foreign = await _http.SendAsync(HttpMethod.Delete, $"auth/devices/{ids["laptop"]}", stranger.Token);
        Assert.Equal(HttpStatusCode.NotFound, foreign.StatusCode);
        Assert.Equal("", await foreign.Content.ReadAsStringAsync());
        using var unknown = await _http.SendAsync(HttpMethod.Delete, $"auth/devices/{Guid.NewGuid()}", phone.Token);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);

        // The phone removes the laptop while the laptop is connected.
        var result = await fixture.Server.RunHttpScenarioAsync("closedByRequest", new
        {
            url = fixture.Server.SyncV2Url, http = fixture.Server.HttpUrl(), token = laptop.Token, workspace = laptop.WorkspaceId,
            request = new { method = "DELETE", path = $"/auth/devices/{ids["laptop"]}", token = phone.Token },
        });
        Assert.Equal(204, result.GetProperty("status").GetInt32());
        Assert.True(result.GetProperty("closed").GetBoolean());

        using var laptopMe = await _http.SendAsync(HttpMethod.Get, "auth/me", laptop.Token);
        Assert.Equal(HttpStatusCode.Unauthorized, laptopMe.StatusCode);
        var refused = await fixture.Server.RunHttpScenarioAsync("open", new { url = fixture.Server.SyncV2Url, token = laptop.Token, workspace = laptop.WorkspaceId });
        Assert.False(refused.GetProperty("synced").GetBoolean());
        using var remaining = await _http.SendAsync(HttpMethod.Get, "auth/devices", phone.Token);
        Assert.Equal(["phone"], (await remaining.JsonAsync()).EnumerateArray().Select(d => d.GetProperty("name").GetString()));
    }

    [Fact]
    public async Task Deleting_the_account_removes_its_data_and_closes_its_connections()
    {
        var user = await _http.SignInAsync();
        var otherDevice = await _http.SignInAsync(user.Email);
        var bystander = await _http.SignInAsync();
        using (var share = await _http.SendAsync(HttpMethod.Post, "api/sessions", user.Token, $$"""{"workspace_id":"{{user.WorkspaceId}}"}"""))
        {
            Assert.Equal(HttpStatusCode.OK, share.StatusCode);
        }

        var workspaceDoc = $"workspace:{user.WorkspaceId}";
        var bodyDoc = $"body:{user.WorkspaceId}/doomed.md";
        var result = await fixture.Server.RunHttpScenarioAsync("closedByRequest", new
        {
            url = fixture.Server.SyncV2Url, @base = $"ws://127.0.0.1:{fixture.Server.Process.Port}", http = fixture.Server.HttpUrl(),
            token = user.Token, workspace = user.WorkspaceId,
            request = new { method = "DELETE", path = "/auth/account", token = otherDevice.Token },
        });
        Assert.Equal(204, result.GetProperty("status").GetInt32());
        Assert.True(result.GetProperty("closed").GetBoolean());
        Assert.True(result.GetProperty("v1Closed").GetBoolean());

        Assert.Equal((false, 0), await fixture.Server.StoredAsync(workspaceDoc));
        Assert.Equal((false, 0), await fixture.Server.StoredAsync(bodyDoc));
        foreach (var token in (string[])[user.Token, otherDevice.Token])
        {
            using var me = await _http.SendAsync(HttpMethod.Get, "auth/me", token);
            Assert.Equal(HttpStatusCode.Unauthorized, me.StatusCode);
        }

        using (var bystanderMe = await _http.SendAsync(HttpMethod.Get, "auth/me", bystander.Token))
        {
            Assert.Equal(HttpStatusCode.OK, bystanderMe.StatusCode);
        }

        // The email can sign up again: a new account, with a new, empty default workspace.
        var reborn = await _http.SignInAsync(user.Email);
        Assert.NotEqual(user.UserId, reborn.UserId);
        Assert.NotEqual(user.WorkspaceId, reborn.WorkspaceId);
        using var hasData = await _http.SendAsync(HttpMethod.Get, "api/user/has-data", reborn.Token);
        Assert.False((await hasData.JsonAsync()).GetProperty("has_data").GetBoolean());
    }

    [Fact]
    public async Task Deleting_the_account_closes_its_documents_under_connected_guests()
    {
        var owner = await _http.SignInAsync();
        using var share = await _http.SendAsync(HttpMethod.Post, "api/sessions", owner.Token, $$"""{"workspace_id":"{{owner.WorkspaceId}}"}""");
        var code = (await share.JsonAsync()).GetProperty("code").GetString()!;
        var bodyDoc = $"body:{owner.WorkspaceId}/shared.md";

        var result = await fixture.Server.RunHttpScenarioAsync("guestOfDeletedAccount", new
        {
            url = fixture.Server.SyncV2Url, http = fixture.Server.HttpUrl(), token = owner.Token, workspace = owner.WorkspaceId, session = code,
        });
        Assert.Equal(204, result.GetProperty("status").GetInt32());
        var errors = result.GetProperty("errors").EnumerateArray().Select(e => e.GetString()!).ToList();
        Assert.Contains(errors, e => e.StartsWith($"{bodyDoc}: the document was closed", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith($"{bodyDoc}: access denied", StringComparison.Ordinal));

        // Nothing the guest sent afterwards brought the documents back.
        await Task.Delay(200);
        Assert.Equal((false, 0), await fixture.Server.StoredAsync(bodyDoc));
        Assert.Equal((false, 0), await fixture.Server.StoredAsync($"workspace:{owner.WorkspaceId}"));
    }

    [Fact]
    public async Task Deleting_the_account_removes_its_markdown_mirror()
    {
        var user = await _http.SignInAsync();
        await fixture.Server.RunV2ScenarioAsync("write", new { url = fixture.Server.SyncV2Url, token = user.Token, workspace = user.WorkspaceId, count = 2 });
        var mirror = Path.Combine(fixture.Server.Process.DataDir, "workspaces", user.WorkspaceId);
        for (var i = 0; i < 200 && !(Directory.Exists(mirror) && Directory.EnumerateFiles(mirror, "*.md", SearchOption.AllDirectories).Any()); i++)
        {
            await Task.Delay(50);
        }

        Assert.True(Directory.Exists(mirror), $"the mirror was not written: {mirror}");

        using var deleted = await _http.SendAsync(HttpMethod.Delete, "auth/account", user.Token);
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        Assert.False(Directory.Exists(mirror));
        await Task.Delay(TimeSpan.FromSeconds(5)); // past any mirror write that was still due
        Assert.False(Directory.Exists(mirror));
    }
}
