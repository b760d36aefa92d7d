namespace Diaryx.Sync.Lite.Tests.Cli;

/// <summary>
/// Every bad value fails fast: exit code 2, nothing on stdout, exactly one line on stderr that names
/// the flag (and where the value came from when it was not the command line). In-process; the
/// real executable is checked for a few in <see cref="CliProcessTests"/>.
/// </summary>
public sealed class BadValueTests : IDisposable
{
    private readonly CliHarness _cli = new();

    public void Dispose() => _cli.Dispose();

    [Theory]
    [InlineData("error: --port: 'abc' is not a port number (1-65535)", "--port", "abc")]
    [InlineData("error: --port: '0' is not a port number (1-65535)", "--port", "0")]
    [InlineData("error: --port: '65536' is not a port number (1-65535)", "--port", "65536")]
    [InlineData("error: --port: '-1' is not a port number (1-65535)", "--port", "-1")]
    [InlineData("error: --host: 'example.com' is not an IP address or localhost", "--host", "example.com")]
    [InlineData("error: --host: '' is not an IP address or localhost", "--host", "")]
    [InlineData("error: --db: '' is not a path", "--db", "")]
    [InlineData("error: --db: '/' is a directory, not a database file", "--db", "/")]
    [InlineData("error: --workspaces-dir: '' is not a path", "--workspaces-dir", "")]
    [InlineData("error: --app-base-url: 'localhost:5173' is not an absolute http(s) URL", "--app-base-url", "localhost:5173")]
    [InlineData("error: --app-base-url: 'ftp://x.example' is not an absolute http(s) URL", "--app-base-url", "ftp://x.example")]
    [InlineData("error: --cors-origins: 'https://a.example/path' is not an origin", "--cors-origins", "https://b.example,https://a.example/path")]
    [InlineData("error: --cors-origins: 'nope' is not an origin", "--cors-origins", "nope")]
    [InlineData("error: --smtp-host: 'a b' is not a host name", "--smtp-host", "a b")]
    [InlineData("error: --smtp-port: '25x' is not a port number (1-65535)", "--smtp-host", "m.example", "--smtp-port", "25x")]
    [InlineData("error: --smtp-host: required when --smtp-port is set", "--smtp-port", "25")]
    [InlineData("error: --smtp-host: required when --smtp-username is set", "--smtp-username", "me")]
    [InlineData("error: --smtp-password: required when --smtp-username is set", "--smtp-host", "m.example", "--smtp-username", "me")]
    [InlineData("error: --smtp-username: required when --smtp-password is set", "--smtp-host", "m.example", "--smtp-password", "pw")]
    [InlineData("error: --smtp-from-email: 'journal' is not an email address", "--smtp-host", "m.example", "--smtp-from-email", "journal")]
    [InlineData("error: --smtp-from-name: 'a\\nBcc: x' must be one line", "--smtp-host", "m.example", "--smtp-from-name", "a\nBcc: x")]
    [InlineData("error: --session-expiry-days: '0' is not a number of days (1-3650)", "--session-expiry-days", "0")]
    [InlineData("error: --session-expiry-days: '1.5' is not a number of days (1-3650)", "--session-expiry-days", "1.5")]
    [InlineData("error: --magic-link-expiry-minutes: '1441' is not a number of minutes (1-1440)", "--magic-link-expiry-minutes", "1441")]
    [InlineData("error: --idle-unload-seconds: '-1' is not a number of seconds (0-604800)", "--idle-unload-seconds", "-1")]
    [InlineData("error: --idle-unload-seconds: '30s' is not a number of seconds (0-604800)", "--idle-unload-seconds", "30s")]
    [InlineData("error: --v1-handshake: 'yes please' is not on or off", "--v1-handshake", "yes please")]
    [InlineData("error: --log-level: 'loud' is not a log level (Trace, Debug, Information, Warning, Error, Critical, None)", "--log-level", "loud")]
    [InlineData("error: --log-level: '2' is not a log level", "--log-level", "2")]
    [InlineData("error: Required argument missing for option: '--port'.", "--port")]
    [InlineData("error: Unrecognized command or argument '--prot'.", "--prot", "3030")]
    [InlineData("error: Unrecognized command or argument 'maybe'.", "--dev", "maybe")]
    [InlineData("error: Option '--out' is required.", "workspace", "export", "w1")]
    [InlineData("error: Option '--email' is required.", "token", "create")]
    [InlineData("error: --email: 'nobody' is not an email address", "token", "create", "--email", "nobody")]
    [InlineData("error: --email: '' is not an email address", "token", "create", "--email", "")]
    [InlineData("error: --db: '' is not a path", "token", "create", "--email", "a@example.com", "--db", "")]
    public async Task Bad_flag_values_fail_with_exit_code_2_and_one_line(string expectedStart, params string[] args)
    {
        var result = await _cli.RunAsync(args);

        AssertUsageError(result, expectedStart);
    }

    [Theory]
    [InlineData("DIARYX_PORT", "abc", "error: --port (from DIARYX_PORT): 'abc' is not a port number (1-65535)")]
    [InlineData("DIARYX_IDLE_UNLOAD_SECONDS", "soon", "error: --idle-unload-seconds (from DIARYX_IDLE_UNLOAD_SECONDS): 'soon' is not a number of seconds")]
    [InlineData("DIARYX_DEV", "maybe", "error: --dev (from DIARYX_DEV): 'maybe' is not true or false")]
    [InlineData("DIARYX_V1_HANDSHAKE", "sometimes", "error: --v1-handshake (from DIARYX_V1_HANDSHAKE): 'sometimes' is not on or off")]
    [InlineData("DIARYX_LOG_LEVEL", "verbose", "error: --log-level (from DIARYX_LOG_LEVEL): 'verbose' is not a log level")]
    [InlineData("DIARYX_SMTP_USERNAME", "me", "error: --smtp-host: required when --smtp-username is set")]
    [InlineData("DIARYX_SMTP_FROM_NAME", "Journal", "error: --smtp-host: required when --smtp-from-name is set")]
    [InlineData("DIARYX_SMTP_FROM_NAME", "x\r\nBcc: y", "error: --smtp-from-name (from DIARYX_SMTP_FROM_NAME): 'x\\r\\nBcc: y' must be one line")]
    public async Task Bad_environment_values_name_the_flag_and_the_variable(string variable, string value, string expectedStart)
    {
        _cli.Environment[variable] = value;

        AssertUsageError(await _cli.RunAsync(), expectedStart);
    }

    [Fact]
    public async Task A_bad_environment_value_is_not_reached_when_a_flag_overrides_it()
    {
        _cli.Environment["DIARYX_PORT"] = "abc";

        Assert.Equal(4000, (await _cli.ResolveAsync("--port", "4000")).Port);
    }

    [Fact]
    public async Task Smtp_password_is_never_echoed_in_an_error()
    {
        _cli.Environment["DIARYX_SMTP_PASSWORD"] = "s3cret\n";
        _cli.Environment["DIARYX_SMTP_HOST"] = "mail.example";
        _cli.Environment["DIARYX_SMTP_USERNAME"] = "me";

        var result = await _cli.RunAsync();

        AssertUsageError(result, "error: --smtp-password (from DIARYX_SMTP_PASSWORD): must be one line");
        Assert.DoesNotContain("s3cret", result.Stderr);
    }

    [Theory]
    [InlineData("""{ "Diaryx": { "Port": "abc" } }""", "error: --port (from Diaryx:Port in {file}): 'abc' is not a port number (1-65535)")]
    [InlineData("""{ "Diaryx": { "Port": 70000 } }""", "error: --port (from Diaryx:Port in {file}): '70000' is not a port number (1-65535)")]
    [InlineData("""{ "Diaryx": { "IdleUnloadSeconds": 1.5 } }""", "error: --idle-unload-seconds (from Diaryx:IdleUnloadSeconds in {file}): '1.5' is not a number of seconds")]
    [InlineData("""{ "Diaryx": { "V1Handshake": "maybe" } }""", "error: --v1-handshake (from Diaryx:V1Handshake in {file}): 'maybe' is not on or off")]
    [InlineData("""{ "Diaryx": { "Port": { "Value": 1 } } }""", "error: --port (from Diaryx:Port in {file}): must be a string, number or boolean")]
    [InlineData("""{ "Diaryx": { "CorsOrigins": [1, 2] } }""", "error: --cors-origins (from Diaryx:CorsOrigins in {file}): must be a string, number or boolean, or an array of strings")]
    [InlineData("""{ "Diaryx": { "Prot": 3030 } }""", "error: Diaryx:Prot in {file}: unknown setting (known: Host, Port, Db,")]
    [InlineData("""{ "Diaryx": [] }""", "error: Diaryx in {file}: must be a JSON object")]
    [InlineData("""{ "Diaryx": { "Port": 3030 """, "error: {file}: not valid JSON:")]
    public async Task Bad_appsettings_values_name_the_flag_and_the_file(string json, string expectedStart)
    {
        _cli.WriteSettings(json);

        AssertUsageError(await _cli.RunAsync(), expectedStart.Replace("{file}", _cli.SettingsFile));
    }

    [Fact]
    public async Task Token_create_reads_the_database_path_from_the_environment_and_reports_it_when_bad()
    {
        _cli.Environment["DIARYX_DB"] = "/";

        AssertUsageError(
            await _cli.RunAsync("token", "create", "--email", "a@example.com"),
            "error: --db (from DIARYX_DB): '/' is a directory, not a database file");
    }

    private static void AssertUsageError(CliResult result, string expectedStart)
    {
        Assert.True(result.ExitCode == 2, $"exit code {result.ExitCode}, stderr: {result.Stderr}");
        Assert.Null(result.Settings);
        Assert.Equal("", result.Stdout);
        Assert.EndsWith("\n", result.Stderr);
        var line = result.Stderr.TrimEnd('\n');
        Assert.DoesNotContain('\n', line);
        Assert.StartsWith(expectedStart, line);
    }
}
