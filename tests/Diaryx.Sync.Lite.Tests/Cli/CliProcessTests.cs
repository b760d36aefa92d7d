using System.Net.Sockets;
using System.Reflection;
using Diaryx.Sync.Lite.Access;
using Diaryx.Sync.Lite.Storage;
using Diaryx.Sync.Lite.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Diaryx.Sync.Lite.Tests.Cli;

/// <summary>The real executable as a process: exit codes, output, environment, signals, token create.</summary>
public sealed class CliProcessTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("diaryx-cli-process-").FullName;

    public void Dispose()
    {
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
            // Best effort.
        }
    }

    [Fact]
    public async Task Version_prints_the_informational_version()
    {
        var (exitCode, stdout, stderr) = await CliProcess.RunAsync(["--version"], _dir);

        Assert.True(exitCode == 0, stderr);
        var expected = typeof(Diaryx.Sync.Lite.Cli.AppVersion).Assembly
            .GetCustomAttribute<AssemblyInformationalVersionAttribute>()!.InformationalVersion.Split('+')[0];
        Assert.Equal("0.1.0", expected);
        Assert.Equal(expected + "\n", stdout);
    }

    [Fact]
    public async Task Help_lists_every_command_and_flag_of_the_contract()
    {
        var (exitCode, stdout, _) = await CliProcess.RunAsync(["--help"], _dir);

        Assert.Equal(0, exitCode);
        foreach (var flag in new[]
                 {
                     "--host", "--port", "--db", "--workspaces-dir", "--app-base-url", "--cors-origins", "--dev",
                     "--smtp-host", "--smtp-port", "--smtp-username", "--smtp-password", "--smtp-from-email", "--smtp-from-name",
                     "--session-expiry-days", "--magic-link-expiry-minutes", "--idle-unload-seconds", "--v1-handshake",
                     "--log-level", "--version", "--help", "DIARYX_IDLE_UNLOAD_SECONDS", "serve", "token",
                 })
        {
            Assert.Contains(flag, stdout);
        }

        (exitCode, stdout, _) = await CliProcess.RunAsync(["token", "create", "--help"], _dir);
        Assert.Equal(0, exitCode);
        Assert.Contains("--email", stdout);
        Assert.Contains("--device-name", stdout);
    }

    [Theory]
    [InlineData(new[] { "--port", "abc" }, "", "", "error: --port: 'abc' is not a port number (1-65535)")]
    [InlineData(new[] { "serve", "--v1-handshake", "maybe" }, "", "", "error: --v1-handshake: 'maybe' is not on or off")]
    [InlineData(new string[0], "DIARYX_IDLE_UNLOAD_SECONDS", "soon", "error: --idle-unload-seconds (from DIARYX_IDLE_UNLOAD_SECONDS): 'soon' is not a number of seconds (0-604800)")]
    [InlineData(new[] { "--bogus" }, "", "", "error: Unrecognized command or argument '--bogus'.")]
    [InlineData(new[] { "token", "create", "--email", "nobody" }, "", "", "error: --email: 'nobody' is not an email address")]
    public async Task Bad_values_exit_with_code_2_and_one_line_on_stderr(
        string[] args, string variable, string value, string expectedStart)
    {
        var environment = variable.Length > 0 ? new Dictionary<string, string> { [variable] = value } : null;

        var (exitCode, stdout, stderr) = await CliProcess.RunAsync(args, _dir, environment);

        Assert.True(exitCode == 2, $"exit code {exitCode}\n{stdout}\n{stderr}");
        Assert.Equal("", stdout);
        var lines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length == 1, stderr);
        Assert.StartsWith(expectedStart, lines[0]);
        Assert.Empty(Directory.GetFileSystemEntries(_dir)); // nothing was created
    }

    [Fact]
    public async Task Token_create_prints_a_token_and_each_call_is_a_new_device_of_the_same_user()
    {
        var dbPath = Path.Combine(_dir, "data", "tokens.db");

        var first = await CliProcess.RunAsync(["token", "create", "--email", "Someone@Example.com", "--db", "data/tokens.db"], _dir);
        var second = await CliProcess.RunAsync(
            ["token", "create", "--email", "someone@example.com", "--device-name", "laptop"], _dir,
            new Dictionary<string, string> { ["DIARYX_DB"] = dbPath });

        var tokens = new List<string>();
        foreach (var (exitCode, stdout, stderr) in new[] { first, second })
        {
            Assert.True(exitCode == 0, stderr);
            var token = stdout.TrimEnd('\n');
            Assert.DoesNotContain('\n', token);
            Assert.Matches("^[A-Za-z0-9_-]{43}$", token);
            tokens.Add(token);
        }

        Assert.NotEqual(tokens[0], tokens[1]);

        await using var services = new ServiceCollection().AddDiaryxStorage(dbPath).BuildServiceProvider();
        var accounts = services.GetRequiredService<IAccountStore>();
        var one = await accounts.ValidateTokenAsync(tokens[0]);
        var two = await accounts.ValidateTokenAsync(tokens[1]);
        Assert.NotNull(one);
        Assert.NotNull(two);
        Assert.Equal(one.UserId, two.UserId);
        Assert.NotEqual(one.DeviceId, two.DeviceId);
        Assert.Equal("someone@example.com", one.Email);
        Assert.NotNull(await accounts.ResolveOwnedWorkspaceAsync(one.UserId, SqliteAccountStore.DefaultWorkspaceName));
    }

    [Fact]
    public async Task Serve_listens_on_the_port_from_the_environment_and_the_flag_wins_over_it()
    {
        var envPort = LoopbackServer.FreePort();
        using (var server = CliProcess.Start([], _dir, new Dictionary<string, string> { ["DIARYX_PORT"] = envPort.ToString() }))
        {
            await server.WaitUntilHealthyAsync(envPort);
            Assert.True(File.Exists(Path.Combine(_dir, "diaryx_sync.db")), "the default --db is in the working directory");
            Assert.True(Directory.Exists(Path.Combine(_dir, "workspaces")));
        }

        var flagPort = LoopbackServer.FreePort();
        using (var server = CliProcess.Start(
                   ["serve", "--port", flagPort.ToString(), "--db", "other.db"], _dir,
                   new Dictionary<string, string> { ["DIARYX_PORT"] = envPort.ToString() }))
        {
            await server.WaitUntilHealthyAsync(flagPort);
            Assert.True(File.Exists(Path.Combine(_dir, "other.db")));
        }
    }

    [Theory]
    [InlineData("TERM")]
    [InlineData("INT")]
    public async Task A_signal_stops_the_server_gracefully_with_exit_code_0(string signal)
    {
        var port = LoopbackServer.FreePort();
        using var server = CliProcess.Start(["--port", port.ToString(), "--db", "signal.db"], _dir);
        await server.WaitUntilHealthyAsync(port);

        await server.SignalAsync(signal);

        // Generous: this checks that it stops, not how fast (10 s once ran out while the whole suite ran).
        var exitCode = await server.WaitForExitAsync(TimeSpan.FromSeconds(60));
        Assert.True(exitCode == 0, $"exit code {exitCode}\n{server.Stdout}\n{server.Stderr}");
        Assert.Contains("Application is shutting down", server.Stdout);

        // The database was closed cleanly and is usable by the next process.
        var (tokenExit, token, stderr) = await CliProcess.RunAsync(["token", "create", "--email", "a@example.com", "--db", "signal.db"], _dir);
        Assert.True(tokenExit == 0, stderr);
        Assert.Equal(44, token.Length);
    }

    [Fact]
    public async Task A_port_in_use_exits_with_code_1_and_says_so()
    {
        using var occupant = new TcpListener(System.Net.IPAddress.Loopback, 0);
        occupant.Start();
        var port = ((System.Net.IPEndPoint)occupant.LocalEndpoint).Port;

        var (exitCode, _, stderr) = await CliProcess.RunAsync(["--port", port.ToString()], _dir);

        Assert.True(exitCode == 1, stderr);
        Assert.Contains("address already in use", stderr, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Shared_server_process_accepts_the_serve_flags()
    {
        await using var server = await ServerProcess.StartAsync(
            ["--idle-unload-seconds", "0", "--v1-handshake", "off", "--log-level", "warning", "--cors-origins", "https://a.example"]);
        using var http = server.CreateClient();

        using var health = await http.GetAsync("health");

        Assert.Equal(System.Net.HttpStatusCode.OK, health.StatusCode);
        Assert.DoesNotContain("Now listening", server.Output); // --log-level warning silences the startup lines
    }
}
