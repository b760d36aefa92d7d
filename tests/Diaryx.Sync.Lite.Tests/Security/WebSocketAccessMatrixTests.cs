using System.Text.Json;
using Diaryx.Sync.Lite.Tests.Http;
using static Diaryx.Sync.Lite.Tests.Security.Principal;
using static Diaryx.Sync.Lite.Tests.Security.Workspace;

namespace Diaryx.Sync.Lite.Tests.Security;

[CollectionDefinition(Name)]
public sealed class AccessMatrixCollection : ICollectionFixture<AccessMatrixFixture>
{
    public const string Name = "access matrix";
}

/// <summary>
/// The access matrix over WebSockets: every principal × every WebSocket mode × every way of naming a
/// workspace, with real yjs clients (tests/node/clients/access-scenarios.mjs). Each allowed cell must
/// read exactly its workspace's seed and have its write handled; each refused cell gets the documented
/// refusal. Afterwards the owners read every document live, and again after a restart: exactly the
/// writes of the cells allowed to write are there (and were relayed), nothing from read-only or
/// refused ones. A second test ends access while sockets are connected.
/// </summary>
[Collection(AccessMatrixCollection.Name)]
public sealed class WebSocketAccessMatrixTests(AccessMatrixFixture fixture)
{
    /// <summary>How a client names the workspace it wants.</summary>
    public enum Target
    {
        /// <summary>Workspace A's id.</summary>
        AById,
        /// <summary>Workspace B's id.</summary>
        BById,
        /// <summary>The name <c>default</c>, which A and B both have.</summary>
        DefaultByName,
        /// <summary>The name of A's second workspace, <c>a-notes</c>.</summary>
        ANotesByName,
    }

    /// <summary>The WebSocket modes: /sync2 documents, and the three kinds of /sync socket.</summary>
    public enum Surface
    {
        /// <summary><c>/sync2</c>, <c>workspace:&lt;target&gt;</c> (through the Files-Ready handshake).</summary>
        Sync2Workspace,
        /// <summary><c>/sync2</c>, <c>body:&lt;target&gt;/notes.md</c>.</summary>
        Sync2Body,
        /// <summary><c>/sync?doc=&lt;target&gt;</c>: the workspace document.</summary>
        Sync1Metadata,
        /// <summary><c>/sync?doc=&lt;target&gt;&amp;file=notes.md</c>: one body, plain y-websocket.</summary>
        Sync1File,
        /// <summary><c>/sync?doc=&lt;target&gt;&amp;multiplexed=true</c>, path <c>notes.md</c>.</summary>
        Sync1Multiplexed,
    }

    private abstract record Outcome;

    /// <summary>Opens the workspace's document and sees its seed; its write is kept only if <paramref name="Writes"/>.</summary>
    private sealed record Reaches(Workspace Workspace, bool Writes) : Outcome;

    /// <summary>/sync2: the document is refused with the text <c>access denied: &lt;reason&gt;</c>, and so is the write sent anyway.</summary>
    private sealed record Denied(string Reason) : Outcome;

    /// <summary>/sync: the upgrade is refused with this HTTP status.</summary>
    private sealed record Refused(int Status) : Outcome;

    private static Outcome Writes(Workspace workspace) => new Reaches(workspace, true);

    private static Outcome Reads(Workspace workspace) => new Reaches(workspace, false);

    private static readonly Outcome NotTheirs = new Denied("the workspace does not belong to this account");
    private static readonly Outcome BadToken = new Denied("the token is invalid or expired");
    private static readonly Outcome NoAuth = new Denied("authentication required");
    private static readonly Outcome OtherWorkspace = new Denied("the share session is for another workspace");
    private static readonly Outcome SessionGone = new Denied("the share session does not exist or has ended");

    /// <summary>
    /// The matrix. Columns: the targets, in <see cref="Target"/> order (A by id, B by id, "default",
    /// "a-notes"). /sync2 authorises every document by its id; /sync picks the workspace at connect time:
    /// a token's own workspace by id or name, a foreign id refused (403), anything else the user's
    /// default; a guest always gets its session's workspace, whatever <c>doc</c> says.
    /// </summary>
    private static readonly Dictionary<Principal, (Outcome[] Sync2, Outcome[] Sync1)> Expected = new()
    {
        [Owner] = (
            [Writes(A), NotTheirs, Writes(A), Writes(A2)],
            [Writes(A), new Refused(403), Writes(A), Writes(A2)]),
        [OwnersOtherDevice] = (
            [Writes(A), NotTheirs, Writes(A), Writes(A2)],
            [Writes(A), new Refused(403), Writes(A), Writes(A2)]),
        [OtherUser] = (
            [NotTheirs, Writes(B), Writes(B), NotTheirs],
            [new Refused(403), Writes(B), Writes(B), Writes(B)]),
        [RemovedDevice] = (
            [BadToken, BadToken, BadToken, BadToken],
            [new Refused(401), new Refused(401), new Refused(401), new Refused(401)]),
        [SignedOutToken] = (
            [BadToken, BadToken, BadToken, BadToken],
            [new Refused(401), new Refused(401), new Refused(401), new Refused(401)]),
        [InvalidToken] = (
            [BadToken, BadToken, BadToken, BadToken],
            [new Refused(401), new Refused(401), new Refused(401), new Refused(401)]),
        [NoCredentials] = (
            [NoAuth, NoAuth, NoAuth, NoAuth],
            [new Refused(400), new Refused(400), new Refused(400), new Refused(400)]),
        [ReadOnlyGuest] = (
            [Reads(A), OtherWorkspace, OtherWorkspace, OtherWorkspace],
            [Reads(A), Reads(A), Reads(A), Reads(A)]),
        [ReadWriteGuest] = (
            [Writes(A), OtherWorkspace, OtherWorkspace, OtherWorkspace],
            [Writes(A), Writes(A), Writes(A), Writes(A)]),
        [EndedSessionGuest] = (
            [SessionGone, SessionGone, SessionGone, SessionGone],
            [new Refused(404), new Refused(404), new Refused(404), new Refused(404)]),
    };

    private sealed record Cell(string Id, Principal Principal, Surface Surface, Target Target, Outcome Expected);

    private static IEnumerable<Cell> Cells() =>
        from principal in Enum.GetValues<Principal>()
        from surface in Enum.GetValues<Surface>()
        from target in Enum.GetValues<Target>()
        let row = IsSync2(surface) ? Expected[principal].Sync2 : Expected[principal].Sync1
        select new Cell($"{principal}.{surface}.{target}", principal, surface, target, row[(int)target]);

    private static bool IsSync2(Surface surface) => surface is Surface.Sync2Workspace or Surface.Sync2Body;

    private static bool IsWorkspaceDocument(Surface surface) => surface is Surface.Sync2Workspace or Surface.Sync1Metadata;

    private string Address(Target target) => target switch
    {
        Target.AById => fixture.IdOf(A),
        Target.BById => fixture.IdOf(B),
        Target.DefaultByName => "default",
        _ => AccessMatrixFixture.ANotesName,
    };

    /// <summary>The /sync2 document a surface opens (workspace or <c>notes.md</c> body) of a workspace id or name.</summary>
    private static string Sync2Document(Surface surface, string workspace) =>
        IsWorkspaceDocument(surface) ? $"workspace:{workspace}" : $"body:{workspace}/notes.md";

    private string Credentials(Principal principal) =>
        fixture.TokenOf(principal) is { } token ? $"token={Uri.EscapeDataString(token)}"
        : fixture.SessionCodeOf(principal) is { } code ? $"session={code}"
        : "";

    private string Sync2Url(Principal principal) => $"{fixture.Server.SyncV2Url}?{Credentials(principal)}";

    private string Sync2UrlOf(string token) => $"{fixture.Server.SyncV2Url}?token={Uri.EscapeDataString(token)}";

    private string Sync1Url(Principal principal, string doc, string mode) =>
        $"{fixture.Server.WsBase}/sync?doc={Uri.EscapeDataString(doc)}&{Credentials(principal)}{mode}";

    /// <summary>The socket spec access-scenarios.mjs takes (see its header).</summary>
    private static object Socket(string id, Surface surface, string url, string? doc, bool pending = false, bool idle = false) => new
    {
        id,
        mode = surface switch
        {
            Surface.Sync2Workspace => "sync2-workspace",
            Surface.Sync2Body => "sync2-body",
            Surface.Sync1Metadata => "sync1-metadata",
            Surface.Sync1File => "sync1-file",
            _ => "sync1-multiplexed",
        },
        url,
        doc,
        pending,
        idle,
    };

    private object SocketOf(Cell cell)
    {
        var address = Address(cell.Target);
        return cell.Surface switch
        {
            Surface.Sync2Workspace or Surface.Sync2Body => Socket(cell.Id, cell.Surface, Sync2Url(cell.Principal), Sync2Document(cell.Surface, address)),
            Surface.Sync1Metadata => Socket(cell.Id, cell.Surface, Sync1Url(cell.Principal, address, ""), null),
            Surface.Sync1File => Socket(cell.Id, cell.Surface, Sync1Url(cell.Principal, address, "&file=notes.md"), null),
            _ => Socket(cell.Id, cell.Surface, Sync1Url(cell.Principal, address, "&multiplexed=true"), "notes.md"),
        };
    }

    /// <summary>The document (by id) a cell reaches in <paramref name="workspace"/>.</summary>
    private string DocumentIn(Workspace workspace, Surface surface) => Sync2Document(surface, fixture.IdOf(workspace));

    [Fact]
    public async Task Every_principal_gets_exactly_its_access_on_every_WebSocket_mode()
    {
        var cells = Cells().ToList();
        var observed = new[] { DocumentIn(A, Surface.Sync2Workspace), DocumentIn(A, Surface.Sync2Body) };
        var result = await fixture.Server.RunAccessScenarioAsync("probe", new
        {
            cells = cells.Select(SocketOf),
            observers = new[] { new { url = Sync2UrlOf(fixture.UserA.Token), docs = observed } },
        });

        var results = AccessMatrixFixture.ById(result.GetProperty("cells"));
        var failures = cells.SelectMany(cell => Check(cell, results[cell.Id])).ToList();
        Assert.True(failures.Count == 0, $"{failures.Count} cells differ from the matrix:\n{string.Join("\n", failures)}");

        // Exactly the writes of the cells allowed to write are in each document: live (relayed to the
        // owner while connected, and read afresh), and after a restart (stored).
        var written = (
            from workspace in Enum.GetValues<Workspace>()
            from surface in new[] { Surface.Sync2Workspace, Surface.Sync2Body }
            let doc = DocumentIn(workspace, surface)
            select (doc, markers: cells
                .Where(c => c.Expected is Reaches { Writes: true } reached && reached.Workspace == workspace
                    && IsWorkspaceDocument(c.Surface) == IsWorkspaceDocument(surface))
                .Select(c => c.Id).Order(StringComparer.Ordinal).ToList()))
            .ToDictionary(x => x.doc, x => x.markers);
        var relayed = result.GetProperty("relayed");
        foreach (var doc in observed) AssertMarkers(written[doc], relayed.GetProperty(doc), $"relayed to the owner: {doc}");
        await AssertStoredMarkersAsync(written, "live");
        await fixture.Server.TerminateAndRestartAsync();
        await AssertStoredMarkersAsync(written, "after a restart");
    }

    /// <summary>Who holds the live sockets of <see cref="Ending_access_cuts_off_live_sockets_of_every_mode_and_read_only_stops_writes_at_once"/>.</summary>
    public enum Holder
    {
        /// <summary>The owner of the workspace (user D); nothing is done to it.</summary>
        Owner,
        /// <summary>Another device of D, removed by D (<c>DELETE /auth/devices/{id}</c>).</summary>
        RemovedDevice,
        /// <summary>Another device of D that signs out (<c>POST /auth/logout</c>).</summary>
        SignedOut,
        /// <summary>User C, on its own workspace, who deletes the account (<c>DELETE /auth/account</c>).</summary>
        DeletedAccount,
        /// <summary>A guest of a writable session on D's workspace that D ends (<c>DELETE /api/sessions/{code}</c>).</summary>
        EndedSessionGuest,
        /// <summary>A guest of a writable session on D's workspace that D makes read-only (<c>PATCH /api/sessions/{code}</c>).</summary>
        MadeReadOnlyGuest,
    }

    /// <summary>The live sockets: every WebSocket mode, plus two that hold nothing yet when access changes.</summary>
    public enum LiveSocket
    {
        Sync2Workspace,
        Sync2Body,
        /// <summary>A /sync2 workspace whose Files-Ready handshake is still pending (FilesReady is sent after the requests).</summary>
        Sync2Handshaking,
        Sync1Metadata,
        Sync1File,
        Sync1Multiplexed,
        /// <summary>A multiplexed /sync socket that opens its first path only after the requests.</summary>
        Sync1MultiplexedIdle,
    }

    private abstract record LiveOutcome;

    /// <summary>The socket keeps working; its later write is kept only if <paramref name="Writes"/>.</summary>
    private sealed record StaysOpen(bool Writes) : LiveOutcome;

    /// <summary>The server closes the socket with this code and reason.</summary>
    private sealed record ClosedWith(int Code, string Reason) : LiveOutcome;

    private static readonly Dictionary<Holder, LiveOutcome> AfterTheRequests = new()
    {
        [Holder.Owner] = new StaysOpen(Writes: true),
        [Holder.RemovedDevice] = new ClosedWith(1008, "device removed"),
        [Holder.SignedOut] = new ClosedWith(1008, "signed out"),
        [Holder.DeletedAccount] = new ClosedWith(1008, "account deleted"),
        [Holder.EndedSessionGuest] = new ClosedWith(1000, "session ended"),
        [Holder.MadeReadOnlyGuest] = new StaysOpen(Writes: false),
    };

    private static bool OpensBeforeTheRequests(LiveSocket socket) => socket is not (LiveSocket.Sync2Handshaking or LiveSocket.Sync1MultiplexedIdle);

    private static bool WritesTheWorkspaceDocument(LiveSocket socket) => socket is LiveSocket.Sync2Workspace or LiveSocket.Sync2Handshaking or LiveSocket.Sync1Metadata;

    /// <summary>Sockets that hear the workspace's control texts (<c>read_only_changed</c>); body-only ones do not.</summary>
    private static bool HearsTheWorkspace(LiveSocket socket) => socket is not (LiveSocket.Sync2Body or LiveSocket.Sync1File);

    [Fact]
    public async Task Ending_access_cuts_off_live_sockets_of_every_mode_and_read_only_stops_writes_at_once()
    {
        var server = fixture.Server;
        var owner = await server.NewUserAsync();
        var removed = await server.NewDeviceAsync(owner, "removed while connected");
        var leaving = await server.NewDeviceAsync(owner, "signing out while connected");
        var doomed = await server.NewUserAsync();
        var endedCode = await server.ShareAsync(owner, readOnly: false);
        var flippedCode = await server.ShareAsync(owner, readOnly: false);
        await server.RunAccessScenarioAsync("seed", new
        {
            url = server.SyncV2Url,
            seeds = new[]
            {
                new { token = owner.Token, workspace = owner.DefaultWorkspaceId, text = "seed of D" },
                new { token = doomed.Token, workspace = doomed.DefaultWorkspaceId, text = "seed of C" },
            },
        });
        var credentials = new Dictionary<Holder, (string Query, string Workspace)>
        {
            [Holder.Owner] = ($"token={Uri.EscapeDataString(owner.Token)}", owner.DefaultWorkspaceId),
            [Holder.RemovedDevice] = ($"token={Uri.EscapeDataString(removed.Token)}", owner.DefaultWorkspaceId),
            [Holder.SignedOut] = ($"token={Uri.EscapeDataString(leaving.Token)}", owner.DefaultWorkspaceId),
            [Holder.DeletedAccount] = ($"token={Uri.EscapeDataString(doomed.Token)}", doomed.DefaultWorkspaceId),
            [Holder.EndedSessionGuest] = ($"session={endedCode}", owner.DefaultWorkspaceId),
            [Holder.MadeReadOnlyGuest] = ($"session={flippedCode}", owner.DefaultWorkspaceId),
        };
        string Id(Holder holder, LiveSocket socket) => $"live-{holder}.{socket}";
        object SocketSpec(Holder holder, LiveSocket socket)
        {
            var (query, workspace) = credentials[holder];
            var id = Id(holder, socket);
            var sync2 = $"{server.SyncV2Url}?{query}";
            var sync1 = $"{server.WsBase}/sync?doc={workspace}&{query}";
            return socket switch
            {
                LiveSocket.Sync2Workspace => Socket(id, Surface.Sync2Workspace, sync2, $"workspace:{workspace}"),
                LiveSocket.Sync2Body => Socket(id, Surface.Sync2Body, sync2, $"body:{workspace}/notes.md"),
                LiveSocket.Sync2Handshaking => Socket(id, Surface.Sync2Workspace, sync2, $"workspace:{workspace}", pending: true),
                LiveSocket.Sync1Metadata => Socket(id, Surface.Sync1Metadata, sync1, null),
                LiveSocket.Sync1File => Socket(id, Surface.Sync1File, $"{sync1}&file=notes.md", null),
                LiveSocket.Sync1Multiplexed => Socket(id, Surface.Sync1Multiplexed, $"{sync1}&multiplexed=true", "notes.md"),
                _ => Socket(id, Surface.Sync1Multiplexed, $"{sync1}&multiplexed=true", "notes.md", idle: true),
            };
        }

        var sockets = (from holder in Enum.GetValues<Holder>() from socket in Enum.GetValues<LiveSocket>() select (holder, socket)).ToList();
        var result = await server.RunAccessScenarioAsync("live", new
        {
            http = server.HttpUrl(),
            sockets = sockets.Select(s => SocketSpec(s.holder, s.socket)),
            requests = new object[]
            {
                new { method = "DELETE", path = $"/auth/devices/{removed.DeviceId}", token = owner.Token },
                new { method = "POST", path = "/auth/logout", token = leaving.Token },
                new { method = "DELETE", path = "/auth/account", token = doomed.Token },
                new { method = "DELETE", path = $"/api/sessions/{endedCode}", token = owner.Token },
                new { method = "PATCH", path = $"/api/sessions/{flippedCode}", token = owner.Token, json = new { read_only = true } },
            },
        });

        Assert.Equal([204, 204, 204, 204, 200], result.GetProperty("responses").EnumerateArray().Select(r => r.GetProperty("status").GetInt32()));
        var observed = AccessMatrixFixture.ById(result.GetProperty("sockets"));
        var failures = new List<string>();
        foreach (var (holder, socket) in sockets)
        {
            var cell = observed[Id(holder, socket)];
            var expected = AfterTheRequests[holder];
            var ok = (!OpensBeforeTheRequests(socket) || cell.GetProperty("before").GetBoolean()) && expected switch
            {
                ClosedWith closed => !cell.GetProperty("open").GetBoolean()
                    && cell.GetProperty("closeCode").ValueKind == JsonValueKind.Number && cell.GetProperty("closeCode").GetInt32() == closed.Code
                    && cell.GetProperty("closeReason").GetString() == closed.Reason,
                StaysOpen open => cell.GetProperty("open").GetBoolean() && cell.GetProperty("after").GetBoolean()
                    && (open.Writes || !HearsTheWorkspace(socket) || cell.GetProperty("texts").EnumerateArray().Any(t => t.GetString() == "read_only_changed")),
                _ => false,
            };
            if (!ok) failures.Add($"{holder} {socket}: expected {expected}, observed {cell}");
        }
        Assert.True(failures.Count == 0, $"{failures.Count} live sockets differ:\n{string.Join("\n", failures)}");

        // What the owner's documents hold: every write made before the requests, and after them only the owner's.
        var writes = sockets.Where(s => s.holder != Holder.DeletedAccount).SelectMany(s =>
            (OpensBeforeTheRequests(s.socket) ? [$"{Id(s.holder, s.socket)}-before"] : Array.Empty<string>())
                .Concat(AfterTheRequests[s.holder] is StaysOpen { Writes: true } ? [$"{Id(s.holder, s.socket)}-after"] : [])
                .Select(marker => (marker, workspaceDocument: WritesTheWorkspaceDocument(s.socket))));
        var ownerDocuments = new[] { Surface.Sync2Workspace, Surface.Sync2Body }.ToDictionary(IsWorkspaceDocument, s => Sync2Document(s, owner.DefaultWorkspaceId));
        var markers = await ReadMarkersAsync(owner.Token, ownerDocuments.Values);
        foreach (var (workspaceDocument, doc) in ownerDocuments)
        {
            var expected = writes.Where(w => w.workspaceDocument == workspaceDocument).Select(w => w.marker).Order(StringComparer.Ordinal).ToList();
            AssertMarkers(expected, markers.GetProperty(doc), doc);
        }
    }

    /// <summary>Why a cell's observation differs from its expected outcome (nothing if it matches).</summary>
    private static IEnumerable<string> Check(Cell cell, JsonElement observed)
    {
        var seen = $"{cell.Id}: expected {cell.Expected}, observed {observed}";
        if (observed.TryGetProperty("failure", out _))
        {
            yield return seen;
            yield break;
        }
        var status = observed.GetProperty("status").GetInt32();
        var synced = observed.GetProperty("synced").GetBoolean();
        var errors = observed.TryGetProperty("errors", out var list) ? list.EnumerateArray().Select(e => e.GetString()!).ToList() : [];
        switch (cell.Expected)
        {
            case Reaches reaches:
                var seed = AccessMatrixFixture.SeedOf(reaches.Workspace);
                var content = observed.GetProperty("content").GetString();
                var seesItsSeed = IsWorkspaceDocument(cell.Surface) ? content == seed : content?.StartsWith(seed, StringComparison.Ordinal) == true;
                if (status != 101 || !synced || errors.Count > 0 || !seesItsSeed || observed.GetProperty("closeCode").ValueKind != JsonValueKind.Null
                    || !observed.GetProperty("handled").GetBoolean())
                {
                    yield return seen;
                }
                break;
            case Denied denied:
                if (status != 101 || synced || observed.GetProperty("content").ValueKind != JsonValueKind.Null || errors.Count < 2
                    || errors.Any(e => e != $"access denied: {denied.Reason}"))
                {
                    yield return seen;
                }
                break;
            case Refused refused:
                if (status != refused.Status) yield return seen;
                break;
        }
    }

    private static void AssertMarkers(IReadOnlyList<string> expected, JsonElement actual, string what)
    {
        var markers = actual.EnumerateArray().Select(m => m.GetString()!).ToList();
        Assert.True(expected.SequenceEqual(markers), $"{what}: expected the writes of [{string.Join(", ", expected)}], found [{string.Join(", ", markers)}]");
    }

    /// <summary>The writes (markers) in each document, read afresh over /sync2 with the owner's token.</summary>
    private async Task<JsonElement> ReadMarkersAsync(string ownerToken, IEnumerable<string> docs) =>
        (await fixture.Server.RunAccessScenarioAsync("read", new { readers = new[] { new { url = Sync2UrlOf(ownerToken), docs } } })).GetProperty("markers");

    /// <summary>A and B read their documents and find exactly the expected writes.</summary>
    private async Task AssertStoredMarkersAsync(Dictionary<string, List<string>> written, string when)
    {
        bool OfB(string doc) => doc.Contains(fixture.IdOf(B), StringComparison.Ordinal);
        var read = (await ReadMarkersAsync(fixture.UserA.Token, written.Keys.Where(d => !OfB(d)))).EnumerateObject()
            .Concat((await ReadMarkersAsync(fixture.UserB.Token, written.Keys.Where(OfB))).EnumerateObject())
            .ToDictionary(p => p.Name, p => p.Value);
        foreach (var (doc, markers) in written) AssertMarkers(markers, read[doc], $"{when}: {doc}");
    }
}
