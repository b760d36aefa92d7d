using System.Text.Json;
using Diaryx.Sync.Lite.Access;
using Diaryx.Sync.Lite.Storage;

namespace Diaryx.Sync.Lite.Tests.Infrastructure;

/// <summary>
/// The real server plus what protocol tests need around it: accounts made directly in its SQLite
/// file, and the Node scenario scripts (real yjs clients) run against it.
/// </summary>
public sealed class SyncServer : IAsyncLifetime
{
    private readonly string[] _arguments;

    public SyncServer() => _arguments = [];

    private SyncServer(string[] arguments) => _arguments = arguments;

    /// <summary>A server started with extra command-line arguments (call <see cref="InitializeAsync"/>).</summary>
    public static SyncServer With(params string[] arguments) => new(arguments);

    public ServerProcess Process { get; private set; } = null!;

    public string SyncV2Url => $"ws://127.0.0.1:{Process.Port}/sync2";

    /// <summary>The server's WebSocket base (<c>ws://127.0.0.1:port</c>): <c>/sync</c> URLs are built on it, and y-websocket takes it with room <c>sync</c>.</summary>
    public string WsBase => $"ws://127.0.0.1:{Process.Port}";

    public async Task InitializeAsync() => Process = await ServerProcess.StartAsync(_arguments);

    public async Task DisposeAsync() => await Process.DisposeAsync();

    /// <summary>Stops the server with SIGTERM (asserting a clean exit) and starts it again on the same data.</summary>
    public async Task TerminateAndRestartAsync()
    {
        var dataDir = Process.DataDir;
        Assert.Equal(0, await Process.TerminateAsync(TimeSpan.FromSeconds(15)));
        Process = await ServerProcess.StartAsync(_arguments, dataDir);
    }

    /// <summary>Stops the server hard (SIGKILL) and starts it again on the same data.</summary>
    public async Task CrashAndRestartAsync()
    {
        var dataDir = Process.DataDir;
        await Process.KillAsync();
        Process = await ServerProcess.StartAsync(_arguments, dataDir);
    }

    private SqliteAccountStore OpenAccounts(out SqliteDatabase database)
    {
        database = new SqliteDatabase(Process.DbPath);
        return new SqliteAccountStore(database);
    }

    /// <summary>A new user with a session token and a default workspace.</summary>
    public async Task<IssuedToken> NewUserAsync()
    {
        var accounts = OpenAccounts(out var database);
        using (database)
        {
            return await accounts.IssueTokenAsync($"user-{Guid.NewGuid():N}@example.test", "tests");
        }
    }

    /// <summary>Another device of the user, with its own session token.</summary>
    public async Task<IssuedToken> NewDeviceAsync(IssuedToken user, string deviceName)
    {
        var accounts = OpenAccounts(out var database);
        using (database)
        {
            var account = await accounts.GetUserAsync(user.UserId) ?? throw new InvalidOperationException($"no user {user.UserId}");
            return await accounts.IssueTokenAsync(account.Email, deviceName);
        }
    }

    /// <summary>Another workspace of the user; returns its id.</summary>
    public async Task<string> NewWorkspaceAsync(IssuedToken owner, string name)
    {
        var accounts = OpenAccounts(out var database);
        using (database)
        {
            return (await accounts.CreateWorkspaceAsync(owner.UserId, name))!.Id;
        }
    }

    /// <summary>A share session on the user's default workspace; returns its code.</summary>
    public async Task<string> ShareAsync(IssuedToken owner, bool readOnly)
    {
        var accounts = OpenAccounts(out var database);
        using (database)
        {
            var session = await accounts.CreateShareSessionAsync(owner.UserId, owner.DefaultWorkspaceId, readOnly);
            return session!.Code;
        }
    }

    /// <summary>What the database holds for a document: whether it has a snapshot, and how many log entries follow it.</summary>
    public async Task<(bool HasSnapshot, int LogCount)> StoredAsync(string docId)
    {
        using var database = new SqliteDatabase(Process.DbPath);
        await using var store = new SqliteDocumentStore(database);
        var stored = await store.LoadAsync(docId);
        return (stored.Snapshot != null, stored.Updates.Count);
    }

    /// <summary>Runs a scenario of tests/node/clients/sync1-scenarios.mjs (/sync) and returns what it printed.</summary>
    public Task<JsonElement> RunV1ScenarioAsync(string scenario, object arguments) => RunScenarioAsync("sync1-scenarios.mjs", scenario, arguments);

    /// <summary>Runs a scenario of tests/node/clients/sync2-scenarios.mjs and returns what it printed.</summary>
    public Task<JsonElement> RunV2ScenarioAsync(string scenario, object arguments) => RunScenarioAsync("sync2-scenarios.mjs", scenario, arguments);

    /// <summary>Runs a scenario of tests/node/clients/access-scenarios.mjs (the access matrix) and returns what it printed.</summary>
    public Task<JsonElement> RunAccessScenarioAsync(string scenario, object arguments) => RunScenarioAsync("access-scenarios.mjs", scenario, arguments);

    private async Task<JsonElement> RunScenarioAsync(string script, string scenario, object arguments)
    {
        var json = JsonSerializer.Serialize(arguments);
        try
        {
            var output = await NodeScript.RunAsync(Path.Combine("clients", script), [scenario, json], timeout: TimeSpan.FromMinutes(2));
            return JsonDocument.Parse(output).RootElement;
        }
        catch (Exception exception)
        {
            throw new InvalidOperationException($"scenario {scenario} failed: {exception.Message}\n--- server output ---\n{Process.Output}", exception);
        }
    }
}
