using System.CommandLine;
using System.CommandLine.Invocation;
using Diaryx.Sync.Lite.Configuration;

namespace Diaryx.Sync.Lite.Cli;

/// <summary>
/// The command tree of DESIGN.md §5: <c>[serve] [options]</c> (serve is the default command),
/// <c>token create</c>, <c>workspace export|import</c>, <c>--version</c> and <c>--help</c>. Parses, resolves settings (flag &gt;
/// <c>DIARYX_*</c> environment &gt; appsettings.json &gt; default) and runs the chosen command.
/// Any bad input ends with exit code 2 and one line <c>error: ...</c> on stderr.
/// </summary>
internal sealed class DiaryxCommandLine
{
    /// <summary>Exit code for a bad command line or configuration value.</summary>
    public const int UsageError = 2;

    private readonly Func<string, string?> _environment;
    private readonly string _settingsFilePath;
    private readonly string _currentDirectory;
    private readonly Func<ServerSettings, CancellationToken, Task<int>> _serve;
    private readonly ServeOptions _serveOptions = new();

    /// <param name="environment">Environment lookup (default: the process environment).</param>
    /// <param name="settingsFile">The appsettings.json to read (default: beside the executable).</param>
    /// <param name="currentDirectory">Base of relative paths (default: the working directory).</param>
    /// <param name="serve">What <c>serve</c> runs (default: <see cref="ServeCommand.RunAsync"/>); tests substitute it.</param>
    public DiaryxCommandLine(
        Func<string, string?>? environment = null,
        string? settingsFile = null,
        string? currentDirectory = null,
        Func<ServerSettings, CancellationToken, Task<int>>? serve = null)
    {
        _environment = environment ?? Environment.GetEnvironmentVariable;
        _settingsFilePath = settingsFile ?? SettingsFile.DefaultPath;
        _currentDirectory = currentDirectory ?? Environment.CurrentDirectory;
        _serve = serve ?? ServeCommand.RunAsync;
        Root = CreateRoot();
    }

    public RootCommand Root { get; }

    /// <summary>Parses <paramref name="args"/> and runs the command; returns the process exit code.</summary>
    public async Task<int> InvokeAsync(
        IReadOnlyList<string> args,
        TextWriter? output = null,
        TextWriter? error = null,
        CancellationToken cancellationToken = default)
    {
        output ??= Console.Out;
        error ??= Console.Error;

        var parseResult = Root.Parse(args);
        if (parseResult.Errors.Count > 0)
        {
            await error.WriteLineAsync($"error: {RawSetting.Printable(parseResult.Errors[0].Message)} (see --help)");
            return UsageError;
        }

        return await parseResult.InvokeAsync(
            new InvocationConfiguration
            {
                Output = output,
                Error = error,
                // The web host handles SIGINT/SIGTERM itself (graceful shutdown, exit code 0).
                ProcessTerminationTimeout = null,
            },
            cancellationToken);
    }

    /// <summary>The typed settings of a parsed <c>serve</c> (or root) command line. Throws <see cref="SettingsException"/>.</summary>
    public ServerSettings ResolveServeSettings(ParseResult parseResult) =>
        ServerSettingsParser.Parse(Sources(_serveOptions.ReadFlags(parseResult)), _currentDirectory);

    private SettingSources Sources(IReadOnlyDictionary<SettingKey, string> flags) =>
        new(flags, _environment, SettingsFile.Load(_settingsFilePath));

    private RootCommand CreateRoot()
    {
        var root = new RootCommand(
            "Diaryx Sync Lite: self-hosted Yjs sync server for Diaryx. Without a command, runs the server (serve).\n"
            + "Every serve option also reads DIARYX_<NAME> from the environment and the \"Diaryx\" section of the\n"
            + "appsettings.json beside the executable; precedence: flag > environment > file > default.");
        foreach (var option in root.Options)
        {
            if (option is VersionOption version)
            {
                version.Action = new PrintVersionAction();
            }
        }

        var serve = new Command("serve", "Run the server (the default command)");
        _serveOptions.AddTo(root);
        _serveOptions.AddTo(serve);
        root.SetAction(RunServeAsync);
        serve.SetAction(RunServeAsync);
        root.Add(serve);

        root.Add(CreateTokenCommand());
        root.Add(WorkspaceCommand.Create(Sources, _currentDirectory));
        return root;
    }

    private Command CreateTokenCommand()
    {
        var email = new Option<string>("--email") { Description = "The user's email address (created if new)", Required = true, HelpName = "e" };
        var deviceName = new Option<string>("--device-name") { Description = "A name for the new device", HelpName = "n" };
        var db = new Option<string>(SettingKeys.Db.Flag)
        {
            Description = $"SQLite database file [default: {ServerSettingsParser.DefaultDatabasePath}] [env: {SettingKeys.Db.EnvironmentVariable}]",
            HelpName = "path",
        };

        var create = new Command("create", "Print a new session token for a user (creates the user and its default workspace)")
        {
            email, deviceName, db,
        };
        create.SetAction(async (parseResult, cancellationToken) =>
        {
            var error = parseResult.InvocationConfiguration.Error;
            string address, databasePath;
            TimeSpan sessionExpiry;
            try
            {
                address = TokenCommand.ValidateEmail(parseResult.GetValue(email));
                var flags = new Dictionary<SettingKey, string>();
                if (parseResult.GetResult(db) is { Implicit: false })
                {
                    flags[SettingKeys.Db] = parseResult.GetValue(db) ?? "";
                }

                var sources = Sources(flags);
                databasePath = ServerSettingsParser.ParseDatabasePath(sources, _currentDirectory);
                sessionExpiry = ServerSettingsParser.ParseSessionExpiry(sources);
            }
            catch (SettingsException e)
            {
                await error.WriteLineAsync($"error: {e.Message}");
                return UsageError;
            }

            return await TokenCommand.CreateAsync(
                address, parseResult.GetValue(deviceName), databasePath, sessionExpiry,
                parseResult.InvocationConfiguration.Output, error, cancellationToken);
        });

        return new Command("token", "Manage session tokens") { create };
    }

    private async Task<int> RunServeAsync(ParseResult parseResult, CancellationToken cancellationToken)
    {
        ServerSettings settings;
        try
        {
            settings = ResolveServeSettings(parseResult);
        }
        catch (SettingsException e)
        {
            await parseResult.InvocationConfiguration.Error.WriteLineAsync($"error: {e.Message}");
            return UsageError;
        }

        return await _serve(settings, cancellationToken);
    }

    private sealed class PrintVersionAction : SynchronousCommandLineAction
    {
        public override int Invoke(ParseResult parseResult)
        {
            parseResult.InvocationConfiguration.Output.WriteLine(AppVersion.Current);
            return 0;
        }
    }
}
