using Diaryx.Sync.Lite.Configuration;
using Microsoft.Extensions.Logging;

namespace Diaryx.Sync.Lite.Tests.Cli;

/// <summary>flag &gt; DIARYX_* environment &gt; appsettings.json "Diaryx" section &gt; default, and the typed result.</summary>
public sealed class SettingsPrecedenceTests : IDisposable
{
    private readonly CliHarness _cli = new();

    public void Dispose() => _cli.Dispose();

    [Fact]
    public async Task No_flags_env_or_file_gives_the_documented_defaults()
    {
        var settings = await _cli.ResolveAsync();

        Assert.Equal("127.0.0.1", settings.Host);
        Assert.Equal(3030, settings.Port);
        Assert.Equal("http://127.0.0.1:3030", settings.ListenUrl);
        Assert.Equal(Path.Combine(_cli.Directory, "diaryx_sync.db"), settings.DatabasePath);
        Assert.Equal(Path.Combine(_cli.Directory, "workspaces"), settings.WorkspacesDir);
        Assert.Equal(new Uri("http://localhost:5173"), settings.AppBaseUrl);
        Assert.Equal(["http://localhost:5173"], settings.CorsOrigins);
        Assert.False(settings.Dev);
        Assert.Null(settings.Smtp);
        Assert.Equal(TimeSpan.FromDays(30), settings.SessionExpiry);
        Assert.Equal(TimeSpan.FromMinutes(15), settings.MagicLinkExpiry);
        Assert.Equal(TimeSpan.FromSeconds(30), settings.IdleUnload);
        Assert.True(settings.V1Handshake);
        Assert.Null(settings.LogLevel);
    }

    [Fact]
    public async Task Serve_is_the_default_command()
    {
        var implicitServe = await _cli.ResolveAsync("--port", "4000", "--dev");
        var explicitServe = await _cli.ResolveAsync("serve", "--port", "4000", "--dev");

        Assert.Equal(4000, implicitServe.Port);
        Assert.True(implicitServe.Dev);
        Assert.Equal(implicitServe with { CorsOrigins = explicitServe.CorsOrigins }, explicitServe);
    }

    public static TheoryData<string, string, string, string, string> Layers => new()
    {
        // option, file value (JSON), environment value, flag value, how each reads back
        { "port", "4001", "4002", "4003", "4001|4002|4003" },
        { "idle-unload-seconds", "5", "0", "120", "00:00:05|00:00:00|00:02:00" },
        { "session-expiry-days", "7", "8", "9", "7.00:00:00|8.00:00:00|9.00:00:00" },
        { "magic-link-expiry-minutes", "1", "2", "3", "00:01:00|00:02:00|00:03:00" },
        { "host", "\"0.0.0.0\"", "::1", "localhost", "0.0.0.0|::1|localhost" },
        { "v1-handshake", "false", "on", "off", "False|True|False" },
        { "log-level", "\"Debug\"", "warning", "ERROR", "Debug|Warning|Error" },
        { "app-base-url", "\"https://file.example\"", "https://env.example/app", "http://flag.example:8080/", "https://file.example/|https://env.example/app|http://flag.example:8080/" },
        { "smtp-host", "\"file.example\"", "env.example", "flag.example", "file.example|env.example|flag.example" },
    };

    [Theory]
    [MemberData(nameof(Layers))]
    public async Task Flag_beats_environment_beats_file_beats_default(
        string option, string fileJson, string envValue, string flagValue, string expected)
    {
        var key = new SettingKey(option);
        var (fromFile, fromEnv, fromFlag) = expected.Split('|') switch
        {
            [var a, var b, var c] => (a, b, c),
            _ => throw new ArgumentException(expected),
        };
        var byDefault = Read(await _cli.ResolveAsync(), option);

        _cli.WriteSettings($$"""{ "Diaryx": { "{{key.FileKey}}": {{fileJson}} } }""");
        Assert.Equal(fromFile, Read(await _cli.ResolveAsync(), option));

        _cli.Environment[key.EnvironmentVariable] = envValue;
        Assert.Equal(fromEnv, Read(await _cli.ResolveAsync(), option));

        Assert.Equal(fromFlag, Read(await _cli.ResolveAsync(key.Flag, flagValue), option));

        // And back down: without the file and the variable, the default again.
        _cli.Environment.Clear();
        File.Delete(_cli.SettingsFile);
        Assert.Equal(byDefault, Read(await _cli.ResolveAsync(), option));
    }

    [Fact]
    public async Task Environment_variable_names_are_DIARYX_and_the_flag_in_upper_case_with_underscores()
    {
        _cli.Environment["DIARYX_IDLE_UNLOAD_SECONDS"] = "0";
        _cli.Environment["DIARYX_DB"] = "data/env.db";
        _cli.Environment["DIARYX_MAGIC_LINK_EXPIRY_MINUTES"] = "60";
        _cli.Environment["DIARYX_CORS_ORIGINS"] = "https://a.example";
        _cli.Environment["DIARYX_SMTP_FROM_NAME"] = "Journal";
        _cli.Environment["DIARYX_SMTP_HOST"] = "mail.example";

        var settings = await _cli.ResolveAsync();

        Assert.Equal(TimeSpan.Zero, settings.IdleUnload);
        Assert.Equal(Path.Combine(_cli.Directory, "data", "env.db"), settings.DatabasePath);
        Assert.Equal(TimeSpan.FromHours(1), settings.MagicLinkExpiry);
        Assert.Equal(["https://a.example"], settings.CorsOrigins);
        Assert.Equal("Journal", settings.Smtp?.FromName);
    }

    [Fact]
    public async Task Empty_environment_variables_count_as_unset()
    {
        _cli.WriteSettings("""{ "Diaryx": { "Port": 5000 } }""");
        _cli.Environment["DIARYX_PORT"] = "";

        Assert.Equal(5000, (await _cli.ResolveAsync()).Port);
    }

    [Fact]
    public async Task File_keys_are_case_insensitive_and_the_file_may_have_comments_and_other_sections()
    {
        _cli.WriteSettings("""
            {
              // comment
              "Logging": { "LogLevel": { "Default": "Information" } },
              "diaryx": { "port": 5001, "IDLEUNLOADSECONDS": 0, "Dev": true, },
            }
            """);

        var settings = await _cli.ResolveAsync();

        Assert.Equal(5001, settings.Port);
        Assert.Equal(TimeSpan.Zero, settings.IdleUnload);
        Assert.True(settings.Dev);
    }

    [Fact]
    public async Task Shipped_appsettings_json_changes_no_default()
    {
        var shipped = Path.Combine(AppContext.BaseDirectory, "appsettings.json");
        Assert.True(File.Exists(shipped), "the server's appsettings.json is copied next to the tests");
        File.Copy(shipped, _cli.SettingsFile);
        var withShippedFile = await _cli.ResolveAsync();

        File.Delete(_cli.SettingsFile);
        var withoutFile = await _cli.ResolveAsync();
        Assert.Equal(withoutFile.CorsOrigins, withShippedFile.CorsOrigins);
        Assert.Equal(withoutFile with { CorsOrigins = withShippedFile.CorsOrigins }, withShippedFile);
    }

    [Fact]
    public async Task Relative_paths_are_made_absolute_and_the_workspaces_dir_follows_the_database()
    {
        var settings = await _cli.ResolveAsync("--db", "sub/dir/my.db");

        Assert.Equal(Path.Combine(_cli.Directory, "sub", "dir", "my.db"), settings.DatabasePath);
        Assert.Equal(Path.Combine(_cli.Directory, "sub", "dir", "workspaces"), settings.WorkspacesDir);

        settings = await _cli.ResolveAsync("--db", "/var/lib/diaryx/x.db", "--workspaces-dir", "mirror/");
        Assert.Equal("/var/lib/diaryx/x.db", settings.DatabasePath);
        Assert.Equal(Path.Combine(_cli.Directory, "mirror"), settings.WorkspacesDir);
    }

    [Fact]
    public async Task Dev_is_a_flag_and_reads_booleans_from_environment_and_file()
    {
        Assert.True((await _cli.ResolveAsync("--dev")).Dev);

        _cli.Environment["DIARYX_DEV"] = "true";
        Assert.True((await _cli.ResolveAsync()).Dev);
        Assert.False((await _cli.ResolveAsync("--dev", "false")).Dev);

        _cli.Environment.Clear();
        _cli.WriteSettings("""{ "Diaryx": { "Dev": true } }""");
        Assert.True((await _cli.ResolveAsync()).Dev);
    }

    [Fact]
    public async Task Cors_origins_are_a_comma_list_or_a_json_array_normalised_to_origins()
    {
        var settings = await _cli.ResolveAsync("--cors-origins", " https://A.example , http://b.example:8080/,, https://a.example");
        Assert.Equal(["https://a.example", "http://b.example:8080"], settings.CorsOrigins);

        _cli.WriteSettings("""{ "Diaryx": { "CorsOrigins": ["https://x.example", "*"] } }""");
        Assert.Equal(["https://x.example", "*"], (await _cli.ResolveAsync()).CorsOrigins);

        // An empty flag value means "no origins", overriding the file.
        Assert.Empty((await _cli.ResolveAsync("--cors-origins", "")).CorsOrigins);

        // The default follows --app-base-url.
        File.Delete(_cli.SettingsFile);
        Assert.Equal(["https://journal.example:8443"], (await _cli.ResolveAsync("--app-base-url", "https://journal.example:8443/app/")).CorsOrigins);
    }

    [Fact]
    public async Task Smtp_is_null_without_a_host_and_filled_with_defaults_with_one()
    {
        Assert.Null((await _cli.ResolveAsync()).Smtp);

        var smtp = (await _cli.ResolveAsync("--smtp-host", "mail.example")).Smtp;
        Assert.Equal(new SmtpSettings("mail.example", 465, null, null, "noreply@diaryx.org", "Diaryx"), smtp);

        _cli.Environment["DIARYX_SMTP_PASSWORD"] = "s3cret";
        smtp = (await _cli.ResolveAsync(
            "--smtp-host", "mail.example", "--smtp-port", "587", "--smtp-username", "me",
            "--smtp-from-email", "journal@example.org", "--smtp-from-name", "My Journal")).Smtp;
        Assert.Equal(new SmtpSettings("mail.example", 587, "me", "s3cret", "journal@example.org", "My Journal"), smtp);
        Assert.DoesNotContain("s3cret", smtp!.ToString());

        // An empty --smtp-host turns mail off even when the environment configures it.
        _cli.Environment.Clear();
        _cli.Environment["DIARYX_SMTP_HOST"] = "mail.example";
        Assert.Null((await _cli.ResolveAsync("--smtp-host", "")).Smtp);
    }

    [Fact]
    public async Task Ipv6_hosts_are_bracketed_in_the_listen_url()
    {
        Assert.Equal("http://[::1]:4000", (await _cli.ResolveAsync("--host", "::1", "--port", "4000")).ListenUrl);
        Assert.Equal("http://[::]:3030", (await _cli.ResolveAsync("--host", "[::]")).ListenUrl);
    }

    [Fact]
    public void Log_level_overrides_keep_aspnetcore_at_warning_unless_stricter()
    {
        var debug = Diaryx.Sync.Lite.Cli.ServeCommand.LogLevelOverrides(LogLevel.Debug);
        Assert.Equal("Debug", debug["Logging:LogLevel:Default"]);
        Assert.False(debug.ContainsKey("Logging:LogLevel:Microsoft.AspNetCore"));

        var error = Diaryx.Sync.Lite.Cli.ServeCommand.LogLevelOverrides(LogLevel.Error);
        Assert.Equal("Error", error["Logging:LogLevel:Microsoft.AspNetCore"]);
    }

    private static string Read(ServerSettings settings, string option) => option switch
    {
        "port" => settings.Port.ToString(),
        "idle-unload-seconds" => settings.IdleUnload.ToString(),
        "session-expiry-days" => settings.SessionExpiry.ToString(),
        "magic-link-expiry-minutes" => settings.MagicLinkExpiry.ToString(),
        "host" => settings.Host,
        "v1-handshake" => settings.V1Handshake.ToString(),
        "log-level" => settings.LogLevel?.ToString() ?? "(null)",
        "app-base-url" => settings.AppBaseUrl.ToString(),
        "smtp-host" => settings.Smtp?.Host ?? "(null)",
        _ => throw new ArgumentOutOfRangeException(nameof(option), option, null),
    };
}
