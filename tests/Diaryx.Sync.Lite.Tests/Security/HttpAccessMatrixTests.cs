using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Diaryx.Sync.Lite.Cli;
using Diaryx.Sync.Lite.Configuration;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Routing;
using static Diaryx.Sync.Lite.Tests.Security.Principal;

namespace Diaryx.Sync.Lite.Tests.Security;

/// <summary>
/// The access matrix over HTTP: every route of the server × every principal, over real HTTP against
/// the real server. Public routes answer everyone alike; signed-in routes answer user A (the owner,
/// from either device) and user B (a stranger to A's workspaces) as documented, and 401 to every
/// other caller, guests included. Nothing but A's own answers may show A's workspaces or content.
/// The route list is checked against the endpoints the app really maps.
/// </summary>
[Collection(AccessMatrixCollection.Name)]
public sealed class HttpAccessMatrixTests(AccessMatrixFixture fixture)
{
    private enum Audience
    {
        /// <summary>No authentication: every principal gets the same answer.</summary>
        Anyone,
        /// <summary>A valid session token; everyone else gets 401 <c>Authentication required</c>.</summary>
        SignedIn,
        /// <summary>A WebSocket upgrade: see <see cref="WebSocketAccessMatrixTests"/>.</summary>
        WebSocket,
    }

    /// <summary>An expected answer: the status, a text the body must show, and any other check of the body.</summary>
    private sealed record Answer(HttpStatusCode Status, string? Shows = null, Func<byte[], bool>? Check = null);

    /// <summary>
    /// A request as a principal makes it. <paramref name="Token"/> replaces the principal's own credentials
    /// where a call would use them up (signing out, deleting an account...): a fresh token of the same user.
    /// </summary>
    private sealed record Call(HttpMethod Method, string Path, string? Json = null, byte[]? Zip = null, string? Token = null);

    /// <summary>
    /// One row of the matrix: a route, the call each principal makes, and the answers. <see cref="Anyone"/>
    /// for public routes; for signed-in ones <see cref="Owner"/> (user A, both devices) and <see cref="Stranger"/> (user B).
    /// </summary>
    private sealed record Route(string Method, string Pattern, Audience Audience)
    {
        public Func<Principal, Task<Call>> Request { get; init; } = _ => throw new InvalidOperationException("a WebSocket route");
        public Answer? Anyone { get; init; }
        public Answer? Owner { get; init; }
        public Answer? Stranger { get; init; }
    }

    private static bool IsUserA(Principal principal) => principal is Principal.Owner or OwnersOtherDevice;

    private string WorkspaceA => fixture.IdOf(Workspace.A);

    private static Task<Call> Get(string path) => Task.FromResult(new Call(HttpMethod.Get, path));

    /// <summary>A fresh token of the principal's own user (for calls that use up their credentials), else the principal's credentials.</summary>
    private async Task<string?> DisposableTokenOf(Principal principal) => principal switch
    {
        Principal.Owner or OwnersOtherDevice => (await fixture.Server.NewDeviceAsync(fixture.UserA, "disposable")).Token,
        OtherUser => (await fixture.Server.NewDeviceAsync(fixture.UserB, "disposable")).Token,
        _ => null,
    };

    private static byte[] ZipWith(string name, string markdown)
    {
        using var stream = new MemoryStream();
        using (var archive = new ZipArchive(stream, ZipArchiveMode.Create, leaveOpen: true))
        {
            using var entry = archive.CreateEntry(name).Open();
            entry.Write(Encoding.UTF8.GetBytes(markdown));
        }
        return stream.ToArray();
    }

    private static Dictionary<string, string> Entries(byte[] zip)
    {
        using var archive = new ZipArchive(new MemoryStream(zip));
        return archive.Entries.ToDictionary(e => e.FullName, e => new StreamReader(e.Open()).ReadToEnd());
    }

    private IEnumerable<Route> Routes()
    {
        var readWriteCode = fixture.SessionCodeOf(ReadWriteGuest)!;
        return
        [
            new("GET", "/", Audience.Anyone) { Request = _ => Get("/"), Anyone = new(HttpStatusCode.OK, "Diaryx Sync Server") },
            new("GET", "/health", Audience.Anyone) { Request = _ => Get("/health"), Anyone = new(HttpStatusCode.OK, "OK") },
            new("GET", "/api/status", Audience.Anyone) { Request = _ => Get("/api/status"), Anyone = new(HttpStatusCode.OK, "\"status\":\"ok\"") },
            new("GET", "/metrics", Audience.Anyone) { Request = _ => Get("/metrics"), Anyone = new(HttpStatusCode.OK, "diaryx_connections") },
            new("POST", "/auth/magic-link", Audience.Anyone)
            {
                Request = _ => Task.FromResult(new Call(HttpMethod.Post, "/auth/magic-link",
                    JsonSerializer.Serialize(new { email = $"someone-{Guid.NewGuid():N}@example.test" }))),
                Anyone = new(HttpStatusCode.OK, "\"success\":true", body => !Encoding.UTF8.GetString(body).Contains("dev_link", StringComparison.Ordinal)),
            },
            new("GET", "/auth/verify", Audience.Anyone)
            {
                Request = _ => Get($"/auth/verify?token={new string('A', 43)}"),
                Anyone = new(HttpStatusCode.BadRequest, "Invalid or expired link"),
            },
            // The code is the credential here: its holder learns the workspace id (as upstream); an ended session is gone.
            new("GET", "/api/sessions/{code}", Audience.Anyone) { Request = _ => Get($"/api/sessions/{readWriteCode}"), Anyone = new(HttpStatusCode.OK, WorkspaceA) },
            new("GET", "/api/sessions/{code}", Audience.Anyone)
            {
                Request = _ => Get($"/api/sessions/{fixture.SessionCodeOf(EndedSessionGuest)}"),
                Anyone = new(HttpStatusCode.NotFound, "Session not found or expired"),
            },
            new("GET", "/auth/me", Audience.SignedIn)
            {
                Request = _ => Get("/auth/me"),
                Owner = new(HttpStatusCode.OK, fixture.IdOf(Workspace.A2)),
                Stranger = new(HttpStatusCode.OK, fixture.IdOf(Workspace.B)),
            },
            new("POST", "/auth/logout", Audience.SignedIn)
            {
                Request = async p => new Call(HttpMethod.Post, "/auth/logout", Token: await DisposableTokenOf(p)),
                Owner = new(HttpStatusCode.NoContent),
                Stranger = new(HttpStatusCode.NoContent),
            },
            new("GET", "/auth/devices", Audience.SignedIn)
            {
                Request = _ => Get("/auth/devices"),
                Owner = new(HttpStatusCode.OK, fixture.OwnersOtherDevice.DeviceId),
                Stranger = new(HttpStatusCode.OK, fixture.UserB.DeviceId),
            },
            new("DELETE", "/auth/devices/{deviceId}", Audience.SignedIn)
            {
                // A removes a device of its own; everyone else tries A's other device.
                Request = async p => new Call(HttpMethod.Delete,
                    $"/auth/devices/{(IsUserA(p) ? (await fixture.Server.NewDeviceAsync(fixture.UserA, "to remove")).DeviceId : fixture.OwnersOtherDevice.DeviceId)}"),
                Owner = new(HttpStatusCode.NoContent),
                Stranger = new(HttpStatusCode.NotFound),
            },
            new("DELETE", "/auth/account", Audience.SignedIn)
            {
                // Signed-in callers delete an account of their own made for the purpose.
                Request = async p => new Call(HttpMethod.Delete, "/auth/account", Token: IsUserA(p) || p == OtherUser ? (await fixture.Server.NewUserAsync()).Token : null),
                Owner = new(HttpStatusCode.NoContent),
                Stranger = new(HttpStatusCode.NoContent),
            },
            new("GET", "/api/workspaces", Audience.SignedIn)
            {
                Request = _ => Get("/api/workspaces"),
                Owner = new(HttpStatusCode.OK, fixture.IdOf(Workspace.A2)),
                Stranger = new(HttpStatusCode.OK, fixture.IdOf(Workspace.B)),
            },
            new("GET", "/api/workspaces/{workspaceId}", Audience.SignedIn)
            {
                Request = _ => Get($"/api/workspaces/{WorkspaceA}"),
                Owner = new(HttpStatusCode.OK, WorkspaceA),
                Stranger = new(HttpStatusCode.NotFound, Check: body => body.Length == 0),
            },
            new("GET", "/api/workspaces/{workspaceId}/snapshot", Audience.SignedIn)
            {
                Request = _ => Get($"/api/workspaces/{WorkspaceA}/snapshot"),
                Owner = new(HttpStatusCode.OK,
                    Check: zip => Entries(zip).GetValueOrDefault("notes.md")?.Contains(AccessMatrixFixture.SeedOf(Workspace.A), StringComparison.Ordinal) == true),
                Stranger = new(HttpStatusCode.NotFound, Check: body => body.Length == 0),
            },
            new("POST", "/api/workspaces/{workspaceId}/snapshot", Audience.SignedIn)
            {
                // Each caller imports a file named after itself (checked below: only A's got in).
                Request = p => Task.FromResult(new Call(HttpMethod.Post, $"/api/workspaces/{WorkspaceA}/snapshot?mode=merge",
                    Zip: ZipWith($"http-{p}.md", $"---\ntitle: {p}\n---\n\nimported by {p}"))),
                Owner = new(HttpStatusCode.OK, "\"files_imported\":1"),
                Stranger = new(HttpStatusCode.NotFound, Check: body => body.Length == 0),
            },
            new("GET", "/api/user/has-data", Audience.SignedIn)
            {
                Request = _ => Get("/api/user/has-data"),
                Owner = new(HttpStatusCode.OK, "\"has_data\":true"),
                Stranger = new(HttpStatusCode.OK, "\"has_data\":true"),
            },
            new("POST", "/api/sessions/", Audience.SignedIn) // mapped as the group's root: with and without the slash
            {
                Request = _ => Task.FromResult(new Call(HttpMethod.Post, "/api/sessions", JsonSerializer.Serialize(new { workspace_id = WorkspaceA }))),
                Owner = new(HttpStatusCode.OK, WorkspaceA),
                Stranger = new(HttpStatusCode.NotFound, "Workspace not found"),
            },
            new("PATCH", "/api/sessions/{code}", Audience.SignedIn)
            {
                Request = _ => Task.FromResult(new Call(HttpMethod.Patch, $"/api/sessions/{readWriteCode}", JsonSerializer.Serialize(new { read_only = false }))),
                Owner = new(HttpStatusCode.OK, "\"read_only\":false"),
                Stranger = new(HttpStatusCode.Forbidden, "Only the session owner can update the session"),
            },
            new("DELETE", "/api/sessions/{code}", Audience.SignedIn)
            {
                // A ends a session of its own made for the purpose; everyone else tries the guests' live session.
                Request = async p => new Call(HttpMethod.Delete,
                    $"/api/sessions/{(IsUserA(p) ? await fixture.Server.ShareAsync(fixture.UserA, readOnly: false) : readWriteCode)}"),
                Owner = new(HttpStatusCode.NoContent),
                Stranger = new(HttpStatusCode.Forbidden, "Only the session owner can end the session"),
            },
            new("*", "/sync", Audience.WebSocket),
            new("*", "/sync2", Audience.WebSocket),
        ];
    }

    /// <summary>What the principal must get from a route.</summary>
    private static Answer Expected(Route route, Principal principal) => route.Audience switch
    {
        Audience.Anyone => route.Anyone!,
        _ when IsUserA(principal) => route.Owner!,
        _ when principal == OtherUser => route.Stranger!,
        _ => new Answer(HttpStatusCode.Unauthorized, "Authentication required"),
    };

    /// <summary>The credentials a principal presents over HTTP: its token, or a guest's session code in its place.</summary>
    private string? BearerOf(Principal principal) => fixture.TokenOf(principal) ?? fixture.SessionCodeOf(principal);

    [Fact]
    public async Task Every_route_answers_every_principal_as_documented_and_shows_A_only_to_A()
    {
        using var http = fixture.Server.Process.CreateClient();
        var secrets = new[] { WorkspaceA, fixture.IdOf(Workspace.A2), AccessMatrixFixture.SeedOf(Workspace.A) };
        var failures = new List<string>();
        foreach (var route in Routes().Where(r => r.Audience != Audience.WebSocket))
        {
            foreach (var principal in Enum.GetValues<Principal>())
            {
                var call = await route.Request(principal);
                using var request = new HttpRequestMessage(call.Method, call.Path.TrimStart('/'));
                if ((call.Token ?? BearerOf(principal)) is { } bearer) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
                if (call.Json != null) request.Content = new StringContent(call.Json, Encoding.UTF8, "application/json");
                if (call.Zip != null) request.Content = new ByteArrayContent(call.Zip) { Headers = { ContentType = new MediaTypeHeaderValue("application/zip") } };
                using var response = await http.SendAsync(request);
                var body = await response.Content.ReadAsByteArrayAsync();
                var text = Encoding.UTF8.GetString(body);
                var expected = Expected(route, principal);
                var leaks = !IsUserA(principal) && route.Pattern != "/api/sessions/{code}" && secrets.Any(s => text.Contains(s, StringComparison.Ordinal));
                if (response.StatusCode != expected.Status || (expected.Shows != null && !text.Contains(expected.Shows, StringComparison.Ordinal))
                    || expected.Check?.Invoke(body) == false || leaks)
                {
                    failures.Add($"{principal} {call.Method} {call.Path}: expected {(int)expected.Status} {expected.Shows}, "
                        + $"got {(int)response.StatusCode} {text[..Math.Min(text.Length, 300)]}{(leaks ? " (shows A's data)" : "")}");
                }
            }
        }
        Assert.True(failures.Count == 0, $"{failures.Count} calls differ from the matrix:\n{string.Join("\n", failures)}");

        // Of the imports every principal tried, only A's (from both devices) reached workspace A.
        using var export = new HttpRequestMessage(HttpMethod.Get, $"api/workspaces/{WorkspaceA}/snapshot") { Headers = { Authorization = new("Bearer", fixture.UserA.Token) } };
        using var exported = await http.SendAsync(export);
        var imported = Entries(await exported.Content.ReadAsByteArrayAsync()).Keys
            .Where(name => name.StartsWith("http-", StringComparison.Ordinal)).Order(StringComparer.Ordinal);
        Assert.Equal([$"http-{Principal.Owner}.md", $"http-{OwnersOtherDevice}.md"], imported);
    }

    [Fact]
    public async Task Every_route_the_app_maps_is_in_the_matrix()
    {
        var dir = Directory.CreateTempSubdirectory("diaryx-routes-");
        try
        {
            var settings = new ServerSettings("127.0.0.1", 1, Path.Combine(dir.FullName, "diaryx_sync.db"), Path.Combine(dir.FullName, "workspaces"),
                new Uri("http://localhost:5173"), [], Dev: false, Smtp: null, TimeSpan.FromDays(30), TimeSpan.FromMinutes(15),
                IdleUnload: TimeSpan.Zero, V1Handshake: true, LogLevel: Microsoft.Extensions.Logging.LogLevel.Warning);
            await using var app = ServeCommand.BuildApp(settings);
            var mapped = ((IEndpointRouteBuilder)app).DataSources.SelectMany(source => source.Endpoints).OfType<RouteEndpoint>()
                .SelectMany(endpoint => endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods is { Count: > 0 } methods
                    ? methods.Select(method => $"{method} {endpoint.RoutePattern.RawText}")
                    : [$"* {endpoint.RoutePattern.RawText}"])
                .Order(StringComparer.Ordinal);
            var inMatrix = Routes().Select(route => $"{route.Method} {route.Pattern}").Distinct().Order(StringComparer.Ordinal);
            Assert.Equal(inMatrix, mapped);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }
}
