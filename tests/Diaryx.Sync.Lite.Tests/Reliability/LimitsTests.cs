using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Diaryx.Sync.Lite.Configuration;
using Diaryx.Sync.Lite.Storage.Snapshots;
using Diaryx.Sync.Lite.Tests.Cli;
using Diaryx.Sync.Lite.Tests.Infrastructure;

namespace Diaryx.Sync.Lite.Tests.Reliability;

/// <summary>
/// The <c>--max-*</c> limits (README "Limits"): each resolved like every serve option, refused with one
/// clear line when bad, and enforced by the real server against a real client while other connections
/// carry on.
/// </summary>
public sealed class LimitsTests
{
    private static Task<JsonElement> RunAsync(string scenario, object arguments) => ReliabilityScenarios.RunAsync(scenario, arguments);

    [Fact]
    public async Task Limits_have_defaults_and_come_from_flags_environment_or_appsettings()
    {
        using var cli = new CliHarness();
        var defaults = ServerLimits.Default;
        Assert.Equal(defaults, (await cli.ResolveAsync()).Limits);
        Assert.Equal((16 << 20, 10_000, 10_000), (defaults.MaxFrameBytes, defaults.MaxDocsPerConnection, defaults.MaxConnections));
        Assert.Equal((64L << 20, 10_000, 256L << 20), (defaults.Snapshots.MaxArchiveBytes, defaults.Snapshots.MaxEntries, defaults.Snapshots.MaxTotalInflatedBytes));

        Assert.Equal((3, 30), (defaults.MagicLinksPerEmailPerHour, defaults.MagicLinksPerIpPerHour));
        Assert.Equal((TimeSpan.FromSeconds(10), TimeSpan.Zero), (defaults.HandshakeTimeout, defaults.IdleTimeout));
        Assert.Equal((TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(60)), (defaults.PingInterval, defaults.PingTimeout));

        cli.WriteSettings("""
            { "Diaryx": { "MaxFrameBytes": 4096, "MaxDocsPerConnection": 7, "MaxConnections": 9, "MaxUploadBytes": "5000000000",
                          "MaxZipEntries": 11, "MaxZipInflatedBytes": 8192, "MagicLinksPerEmailPerHour": 5, "MagicLinksPerIpPerHour": 0,
                          "IdleTimeoutSeconds": 300 } }
            """);
        var fromFile = defaults with
        {
            MaxFrameBytes = 4096, MaxDocsPerConnection = 7, MaxConnections = 9, Snapshots = Zip(5_000_000_000, 11, 8192),
            MagicLinksPerEmailPerHour = 5, MagicLinksPerIpPerHour = 0, IdleTimeout = TimeSpan.FromMinutes(5),
        };
        Assert.Equal(fromFile, (await cli.ResolveAsync()).Limits);

        cli.Environment["DIARYX_MAX_DOCS_PER_CONNECTION"] = "70";
        cli.Environment["DIARYX_MAX_CONNECTIONS"] = "90";
        cli.Environment["DIARYX_MAX_ZIP_ENTRIES"] = "110";
        cli.Environment["DIARYX_MAGIC_LINKS_PER_IP_PER_HOUR"] = "100";
        cli.Environment["DIARYX_HANDSHAKE_TIMEOUT_SECONDS"] = "20";
        var fromEnvironment = fromFile with
        {
            MaxFrameBytes = 2048, MaxDocsPerConnection = 70, MaxConnections = 90, Snapshots = Zip(5_000_000_000, 110, 8192), MagicLinksPerIpPerHour = 100,
            HandshakeTimeout = TimeSpan.FromSeconds(20),
        };
        Assert.Equal(fromEnvironment, (await cli.ResolveAsync("--max-frame-bytes", "2048")).Limits);
        Assert.Equal(
            fromEnvironment with
            {
                MaxConnections = 3, Snapshots = Zip(1024, 12, 2048), MagicLinksPerEmailPerHour = 1,
                PingInterval = TimeSpan.Zero, PingTimeout = TimeSpan.FromSeconds(5), IdleTimeout = TimeSpan.Zero,
            },
            (await cli.ResolveAsync(
                "--max-frame-bytes", "2048", "--max-connections", "3", "--max-upload-bytes", "1024", "--max-zip-entries", "12", "--max-zip-inflated-bytes", "2048",
                "--magic-links-per-email-per-hour", "1", "--ping-interval-seconds", "0", "--ping-timeout-seconds", "5", "--idle-timeout-seconds", "0")).Limits);
    }

    private static SnapshotLimits Zip(long archiveBytes, int entries, long inflatedBytes) =>
        SnapshotLimits.Default with { MaxArchiveBytes = archiveBytes, MaxEntries = entries, MaxTotalInflatedBytes = inflatedBytes };

    [Theory]
    [InlineData("error: --max-frame-bytes: '100' is not a number of bytes (1024-1073741824)", "--max-frame-bytes", "100")]
    [InlineData("error: --max-frame-bytes: '16MB' is not a number of bytes (1024-1073741824)", "--max-frame-bytes", "16MB")]
    [InlineData("error: --max-docs-per-connection: '0' is not a number of documents (1-1000000)", "--max-docs-per-connection", "0")]
    [InlineData("error: --max-connections: '-5' is not a number of connections (1-1000000)", "--max-connections", "-5")]
    [InlineData("error: --max-upload-bytes: '1e9' is not a number of bytes (1024-17179869184)", "--max-upload-bytes", "1e9")]
    [InlineData("error: --max-zip-entries: '0' is not a number of entries (1-1000000)", "--max-zip-entries", "0")]
    [InlineData("error: --max-zip-inflated-bytes: '1000' is not a number of bytes (1024-68719476736)", "--max-zip-inflated-bytes", "1000")]
    [InlineData("error: --magic-links-per-email-per-hour: '0' is not a number of links (1-100000)", "--magic-links-per-email-per-hour", "0")]
    [InlineData("error: --magic-links-per-ip-per-hour: '-1' is not a number of requests (0-100000)", "--magic-links-per-ip-per-hour", "-1")]
    [InlineData("error: --handshake-timeout-seconds: '0' is not a number of seconds (1-86400)", "--handshake-timeout-seconds", "0")]
    [InlineData("error: --idle-timeout-seconds: '1.5' is not a number of seconds (0-86400)", "--idle-timeout-seconds", "1.5")]
    [InlineData("error: --ping-interval-seconds: '30s' is not a number of seconds (0-86400)", "--ping-interval-seconds", "30s")]
    [InlineData("error: --ping-timeout-seconds: '0' is not a number of seconds (1-86400)", "--ping-timeout-seconds", "0")]
    public async Task Bad_limit_values_fail_fast_with_one_line(string expectedStart, params string[] args)
    {
        using var cli = new CliHarness();
        var result = await cli.RunAsync(args);
        Assert.Equal(2, result.ExitCode);
        Assert.Null(result.Settings);
        Assert.StartsWith(expectedStart, result.Stderr.TrimEnd('\n'));
        Assert.DoesNotContain('\n', result.Stderr.TrimEnd('\n'));
    }

    [Fact]
    public async Task A_bad_limit_from_the_environment_names_the_variable()
    {
        using var cli = new CliHarness();
        cli.Environment["DIARYX_MAX_CONNECTIONS"] = "lots";
        var result = await cli.RunAsync();
        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith("error: --max-connections (from DIARYX_MAX_CONNECTIONS): 'lots' is not a number of connections", result.Stderr);
    }

    [Fact]
    public async Task A_frame_over_max_frame_bytes_closes_that_socket_with_1009_only()
    {
        await using var server = await StartAsync("--max-frame-bytes", "65536");
        var user = await server.NewUserAsync();
        var result = await RunAsync("frameLimit", new { v2url = server.SyncV2Url, token = user.Token, workspace = user.DefaultWorkspaceId, limit = 65536 });
        Assert.Equal(1009, result.GetProperty("closeCode").GetInt32());
        Assert.Equal("messages are limited to 65536 bytes", result.GetProperty("closeReason").GetString());
        Assert.True(result.GetProperty("bOpen").GetBoolean());
        Assert.Equal("before;after;", result.GetProperty("text").GetString());
        Assert.False(server.Process.HasExited);
    }

    [Fact]
    public async Task Documents_beyond_max_docs_per_connection_are_refused_with_an_error_text()
    {
        await using var server = await StartAsync("--max-docs-per-connection", "20");
        var user = await server.NewUserAsync();
        var result = await RunAsync("docLimit", new { v2url = server.SyncV2Url, token = user.Token, workspace = user.DefaultWorkspaceId, limit = 20, extra = 3 });
        Assert.Equal(20, result.GetProperty("synced").GetInt32());
        var refused = result.GetProperty("refused").EnumerateArray().ToList();
        Assert.Equal(3, refused.Count);
        Assert.All(refused, r => Assert.Equal("at most 20 documents per connection", r.GetProperty("message").GetString()));
        Assert.True(result.GetProperty("open").GetBoolean());
    }

    [Fact]
    public async Task Upgrades_beyond_max_connections_get_503_with_a_text_and_open_sockets_carry_on()
    {
        await using var server = await StartAsync("--max-connections", "4");
        var user = await server.NewUserAsync();
        var result = await RunAsync("connectionLimit", new { v2url = server.SyncV2Url, @base = server.WsBase, token = user.Token, workspace = user.DefaultWorkspaceId, limit = 4 });
        foreach (var refused in new[] { result.GetProperty("refusedV2"), result.GetProperty("refusedV1") })
        {
            Assert.Equal(503, refused.GetProperty("status").GetInt32());
            Assert.Equal("text/plain; charset=utf-8", refused.GetProperty("type").GetString());
            Assert.Equal("too many connections: the server accepts at most 4 WebSocket connections; try again later", refused.GetProperty("text").GetString());
        }
        Assert.Equal(101, result.GetProperty("again").GetInt32());
        using var http = server.Process.CreateClient();
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("health")).StatusCode); // plain HTTP is not counted
    }

    [Fact]
    public async Task A_peer_that_never_answers_pings_is_dropped_and_its_slot_freed_while_a_live_one_stays()
    {
        await using var server = await StartAsync("--max-connections", "2", "--ping-interval-seconds", "1", "--ping-timeout-seconds", "1");
        var user = await server.NewUserAsync();
        var result = await RunAsync("silentPeer", new { v2url = server.SyncV2Url, token = user.Token, workspace = user.DefaultWorkspaceId });
        Assert.Equal(101, result.GetProperty("upgrade").GetInt32());
        Assert.Equal(503, result.GetProperty("refused").GetInt32()); // the silent peer held the second slot
        Assert.True(result.GetProperty("pings").GetInt32() >= 1, "the server pinged the silent peer");
        Assert.False(result.GetProperty("closeFrame").GetBoolean(), "a dead peer is dropped, not sent a close frame");
        Assert.Equal(101, result.GetProperty("again").GetInt32());
        Assert.True(result.GetProperty("healthyOpen").GetBoolean());
    }

    [Fact]
    public async Task Upgrades_that_have_not_authenticated_yet_count_against_max_connections()
    {
        await using var server = await StartAsync("--max-connections", "3", "--handshake-timeout-seconds", "600");
        var user = await server.NewUserAsync();
        var result = await RunAsync("unauthenticatedFlood", new { v2url = server.SyncV2Url, token = user.Token, limit = 3 });
        Assert.Equal(503, result.GetProperty("refused").GetProperty("status").GetInt32());
        Assert.Equal(101, result.GetProperty("again").GetInt32());
    }

    [Fact]
    public async Task A_client_that_does_not_finish_its_handshake_in_time_is_dropped_and_others_are_not()
    {
        await using var server = await StartAsync("--handshake-timeout-seconds", "1");
        var user = await server.NewUserAsync();
        var result = await RunAsync("handshakeTimeout", new { v2url = server.SyncV2Url, @base = server.WsBase, token = user.Token, workspace = user.DefaultWorkspaceId });
        Assert.Equal(408, result.GetProperty("headers").GetInt32()); // Kestrel: Request Timeout, then the connection is closed
        Assert.Equal(1008, result.GetProperty("mute").GetProperty("code").GetInt32());
        Assert.Equal("no message within 1 second of connecting", result.GetProperty("mute").GetProperty("reason").GetString());
        Assert.True(result.GetProperty("promptOpen").GetBoolean());
        Assert.True(result.GetProperty("multiplexedOpen").GetBoolean());
    }

    [Fact]
    public async Task A_socket_silent_past_the_idle_timeout_is_closed_with_1001_and_an_active_one_is_not()
    {
        await using var server = await StartAsync("--idle-timeout-seconds", "2");
        var user = await server.NewUserAsync();
        var result = await RunAsync("idleTimeout", new { v2url = server.SyncV2Url, token = user.Token, workspace = user.DefaultWorkspaceId });
        Assert.Equal(1001, result.GetProperty("quiet").GetProperty("code").GetInt32());
        Assert.Equal("closed after 2 seconds without a message", result.GetProperty("quiet").GetProperty("reason").GetString());
        Assert.True(result.GetProperty("chattyOpen").GetBoolean());
    }

    [Fact]
    public async Task A_snapshot_upload_over_max_upload_bytes_is_a_413_and_changes_nothing()
    {
        await using var server = await StartAsync("--max-upload-bytes", "4096");
        var user = await server.NewUserAsync();
        using var http = server.Process.CreateClient();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", user.Token);
        var url = $"api/workspaces/{user.DefaultWorkspaceId}/snapshot";

        using var small = await http.PostAsync(url, Zip(MakeZip(("small.md", "fits"))));
        Assert.Equal(HttpStatusCode.OK, small.StatusCode);

        var big = MakeZip(("big.md", RandomText(8000)));
        Assert.True(big.Length > 4096);
        using var refused = await http.PostAsync(url, Zip(big));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, refused.StatusCode);
        Assert.Equal("the upload is larger than 4096 bytes", await ErrorAsync(refused));

        using var export = await http.GetAsync(url);
        using var archive = new ZipArchive(new MemoryStream(await export.Content.ReadAsByteArrayAsync()));
        Assert.Equal(["small.md"], archive.Entries.Select(e => e.FullName));
    }

    [Fact]
    public async Task A_snapshot_zip_over_max_zip_entries_is_a_400_and_over_max_zip_inflated_bytes_a_413_and_neither_changes_anything()
    {
        await using var server = await StartAsync("--max-zip-entries", "3", "--max-zip-inflated-bytes", "4096");
        var user = await server.NewUserAsync();
        using var http = server.Process.CreateClient();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", user.Token);
        var url = $"api/workspaces/{user.DefaultWorkspaceId}/snapshot";

        using var fits = await http.PostAsync(url, Zip(MakeZip(("a.md", "one"), ("b.md", "two"), ("c.md", new string('c', 4000)))));
        Assert.Equal(HttpStatusCode.OK, fits.StatusCode);

        using var tooMany = await http.PostAsync(url, Zip(MakeZip(("d.md", "1"), ("e.md", "2"), ("f.md", "3"), ("g.png", "4"))));
        Assert.Equal(HttpStatusCode.BadRequest, tooMany.StatusCode);
        Assert.Equal("the archive has 4 entries; at most 3 are allowed", await ErrorAsync(tooMany));

        // 5000 bytes of markdown compress to far less than the upload limit, but inflate past 4096.
        using var tooBig = await http.PostAsync(url, Zip(MakeZip(("big.md", new string('x', 5000)))));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, tooBig.StatusCode);
        Assert.Equal("the archive inflates to more than 4096 bytes in all", await ErrorAsync(tooBig));

        using var export = await http.GetAsync(url);
        using var archive = new ZipArchive(new MemoryStream(await export.Content.ReadAsByteArrayAsync()));
        Assert.Equal(["a.md", "b.md", "c.md"], archive.Entries.Select(e => e.FullName).Order());
    }

    [Fact]
    public async Task Magic_link_requests_beyond_the_per_email_or_per_ip_rate_get_429_with_Retry_After()
    {
        await using var server = await StartAsync("--dev", "--magic-links-per-email-per-hour", "2", "--magic-links-per-ip-per-hour", "5");
        using var http = server.Process.CreateClient();
        var email = $"rate-{Guid.NewGuid():N}@example.test";
        http.DefaultRequestHeaders.Add("Origin", "http://localhost:5173"); // the web app, which must be able to read Retry-After
        async Task<HttpResponseMessage> RequestAsync(string address) =>
            await http.PostAsync("auth/magic-link", new StringContent(JsonSerializer.Serialize(new { email = address }), Encoding.UTF8, "application/json"));

        // Per email: 2 an hour, so one every 30 minutes once they are used up.
        Assert.Equal(HttpStatusCode.OK, (await RequestAsync(email)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await RequestAsync(email)).StatusCode);
        using var perEmail = await RequestAsync(email);
        Assert.Equal(HttpStatusCode.TooManyRequests, perEmail.StatusCode);
        Assert.Equal("Too many requests. Please try again later.", await ErrorAsync(perEmail));
        Assert.InRange(perEmail.Headers.RetryAfter?.Delta ?? TimeSpan.Zero, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(30));
        Assert.Contains("Retry-After", perEmail.Headers.GetValues("Access-Control-Expose-Headers"));

        // Per client address: 5 requests an hour, whatever the email (the refused one above counted too).
        Assert.Equal(HttpStatusCode.OK, (await RequestAsync($"a-{email}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await RequestAsync($"b-{email}")).StatusCode);
        using var perIp = await RequestAsync($"c-{email}");
        Assert.Equal(HttpStatusCode.TooManyRequests, perIp.StatusCode);
        Assert.Equal("Too many requests. Please try again later.", await ErrorAsync(perIp));
        Assert.InRange(perIp.Headers.RetryAfter?.Delta ?? TimeSpan.Zero, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(12));
    }

    [Theory]
    [InlineData("203.0.113.7", "203.0.113.7")]
    [InlineData("::ffff:203.0.113.7", "203.0.113.7")]
    [InlineData("2001:db8:1:2:aaaa:bbbb:cccc:dddd", "2001:db8:1:2::/64")]
    [InlineData("2001:db8:1:2::1", "2001:db8:1:2::/64")]
    public void Magic_link_requests_are_counted_per_IPv4_address_and_per_IPv6_64(string address, string key) =>
        Assert.Equal(key, Diaryx.Sync.Lite.Http.MagicLinkRateLimiter.ClientKey(IPAddress.Parse(address)));

    private static async Task<OwnedServer> StartAsync(params string[] arguments)
    {
        var server = SyncServer.With(arguments);
        await server.InitializeAsync();
        return new OwnedServer(server);
    }

    private static async Task<string?> ErrorAsync(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetString();

    private static ByteArrayContent Zip(byte[] bytes) => new(bytes) { Headers = { ContentType = new MediaTypeHeaderValue("application/zip") } };

    private static string RandomText(int length)
    {
        var random = new Random(1);
        return new string([.. Enumerable.Range(0, length).Select(_ => (char)random.Next('a', 'z' + 1))]);
    }

    private static byte[] MakeZip(params (string Name, string Content)[] entries)
    {
        using var stream = new MemoryStream();
        using (var archive = new ZipArchive(stream, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var (name, content) in entries)
            {
                using var entry = archive.CreateEntry(name).Open();
                entry.Write(Encoding.UTF8.GetBytes(content));
            }
        }
        return stream.ToArray();
    }
}

/// <summary>A <see cref="SyncServer"/> disposed with <c>await using</c>.</summary>
internal sealed class OwnedServer(SyncServer server) : IAsyncDisposable
{
    public SyncServer Server => server;
    public ServerProcess Process => server.Process;
    public string SyncV2Url => server.SyncV2Url;
    public string WsBase => server.WsBase;
    public Task<Diaryx.Sync.Lite.Access.IssuedToken> NewUserAsync() => server.NewUserAsync();
    public ValueTask DisposeAsync() => new(server.DisposeAsync());
}

/// <summary>Runs a scenario of tests/node/clients/crash-scenarios.mjs.</summary>
internal static class ReliabilityScenarios
{
    public static async Task<JsonElement> RunAsync(string scenario, object arguments)
    {
        var output = await NodeScript.RunAsync(Path.Combine("clients", "crash-scenarios.mjs"), [scenario, JsonSerializer.Serialize(arguments)], timeout: TimeSpan.FromMinutes(1));
        return JsonDocument.Parse(output).RootElement;
    }
}
