using System.Net;
using System.Text.Json;
using Diaryx.Sync.Lite.Access;
using Diaryx.Sync.Lite.Tests.Http;
using Diaryx.Sync.Lite.Tests.Infrastructure;

namespace Diaryx.Sync.Lite.Tests.Security;

/// <summary>Every kind of caller the access matrix tries.</summary>
public enum Principal
{
    /// <summary>User A: owns workspace A (named <c>default</c>) and workspace A2 (named <c>a-notes</c>).</summary>
    Owner,
    /// <summary>Another device of user A, with its own token.</summary>
    OwnersOtherDevice,
    /// <summary>User B: owns workspace B (named <c>default</c>).</summary>
    OtherUser,
    /// <summary>A token of a device of A that A removed (<c>DELETE /auth/devices/{id}</c>).</summary>
    RemovedDevice,
    /// <summary>A token of A that signed out (<c>POST /auth/logout</c>).</summary>
    SignedOutToken,
    /// <summary>A well-formed token the server never issued.</summary>
    InvalidToken,
    NoCredentials,
    /// <summary>A guest of a read-only share session on workspace A.</summary>
    ReadOnlyGuest,
    /// <summary>A guest of a writable share session on workspace A.</summary>
    ReadWriteGuest,
    /// <summary>A guest of a share session on workspace A that A ended (<c>DELETE /api/sessions/{code}</c>).</summary>
    EndedSessionGuest,
}

/// <summary>The workspaces of the matrix; each is seeded with <c>notes.md</c> (title and body <see cref="AccessMatrixFixture.SeedOf"/>).</summary>
public enum Workspace
{
    A,
    A2,
    B,
}

/// <summary>
/// One real server for the whole access matrix, with the principals of <see cref="Principal"/>: accounts
/// and share sessions made in its database, the revocations made over HTTP (so the server applies them),
/// and every workspace seeded by its owner over /sync2.
/// </summary>
public sealed class AccessMatrixFixture : IAsyncLifetime
{
    public const string ANotesName = "a-notes";

    private readonly Dictionary<Principal, string> _tokens = [];
    private readonly Dictionary<Principal, string> _sessionCodes = [];
    private readonly Dictionary<Workspace, string> _workspaceIds = [];

    public SyncServer Server { get; } = new();

    public IssuedToken UserA { get; private set; } = null!;

    public IssuedToken UserB { get; private set; } = null!;

    /// <summary>A's other device (its device id is what B tries to remove).</summary>
    public IssuedToken OwnersOtherDevice { get; private set; } = null!;

    public string IdOf(Workspace workspace) => _workspaceIds[workspace];

    public static string SeedOf(Workspace workspace) => $"seed of {workspace}";

    /// <summary>The session token the principal presents (null for guests and <see cref="Principal.NoCredentials"/>).</summary>
    public string? TokenOf(Principal principal) => _tokens.GetValueOrDefault(principal);

    /// <summary>The share-session code a guest presents (null for everyone else).</summary>
    public string? SessionCodeOf(Principal principal) => _sessionCodes.GetValueOrDefault(principal);

    public async Task InitializeAsync()
    {
        await Server.InitializeAsync();
        UserA = await Server.NewUserAsync();
        UserB = await Server.NewUserAsync();
        OwnersOtherDevice = await Server.NewDeviceAsync(UserA, "other device");
        var removed = await Server.NewDeviceAsync(UserA, "removed");
        var signedOut = await Server.NewDeviceAsync(UserA, "signed out");
        _workspaceIds[Workspace.A] = UserA.DefaultWorkspaceId;
        _workspaceIds[Workspace.A2] = await Server.NewWorkspaceAsync(UserA, ANotesName);
        _workspaceIds[Workspace.B] = UserB.DefaultWorkspaceId;

        _tokens[Principal.Owner] = UserA.Token;
        _tokens[Principal.OwnersOtherDevice] = OwnersOtherDevice.Token;
        _tokens[Principal.OtherUser] = UserB.Token;
        _tokens[Principal.RemovedDevice] = removed.Token;
        _tokens[Principal.SignedOutToken] = signedOut.Token;
        _tokens[Principal.InvalidToken] = new string('A', 43);
        _sessionCodes[Principal.ReadOnlyGuest] = await Server.ShareAsync(UserA, readOnly: true);
        _sessionCodes[Principal.ReadWriteGuest] = await Server.ShareAsync(UserA, readOnly: false);
        _sessionCodes[Principal.EndedSessionGuest] = await Server.ShareAsync(UserA, readOnly: false);

        await Server.RunAccessScenarioAsync("seed", new
        {
            url = Server.SyncV2Url,
            seeds = new[]
            {
                new { token = UserA.Token, workspace = IdOf(Workspace.A), text = SeedOf(Workspace.A) },
                new { token = UserA.Token, workspace = IdOf(Workspace.A2), text = SeedOf(Workspace.A2) },
                new { token = UserB.Token, workspace = IdOf(Workspace.B), text = SeedOf(Workspace.B) },
            },
        });

        using var http = Server.Process.CreateClient();
        await ExpectAsync(http, HttpMethod.Delete, $"auth/devices/{removed.DeviceId}", UserA.Token);
        await ExpectAsync(http, HttpMethod.Post, "auth/logout", signedOut.Token);
        await ExpectAsync(http, HttpMethod.Delete, $"api/sessions/{_sessionCodes[Principal.EndedSessionGuest]}", UserA.Token);
    }

    private static async Task ExpectAsync(HttpClient http, HttpMethod method, string path, string token)
    {
        using var response = await http.SendAsync(method, path, token);
        Assert.True(response.StatusCode == HttpStatusCode.NoContent, $"{method} {path}: {(int)response.StatusCode}");
    }

    public Task DisposeAsync() => Server.DisposeAsync();

    /// <summary>Parses a scenario's cell list into a dictionary by id.</summary>
    public static Dictionary<string, JsonElement> ById(JsonElement cells) =>
        cells.EnumerateArray().ToDictionary(c => c.GetProperty("id").GetString()!);
}
