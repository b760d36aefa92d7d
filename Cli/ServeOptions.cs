using System.CommandLine;
using Diaryx.Sync.Lite.Configuration;
using Diaryx.Sync.Lite.Storage.Snapshots;

namespace Diaryx.Sync.Lite.Cli;

/// <summary>
/// The flags of <c>serve</c> (DESIGN.md §5), added both to <c>serve</c> and to the root command
/// (serve is the default). Options carry raw text and no default: <see cref="ReadFlags"/> reports only
/// what the command line set, so <see cref="SettingSources"/> can fall back to the environment, the
/// file and the defaults, and <see cref="ServerSettingsParser"/> gives every bad value the same kind
/// of error line wherever it came from. <c>workspace import</c> takes the snapshot zip limits from here too.
/// </summary>
internal sealed class ServeOptions
{
    private readonly List<(SettingKey Key, Option Option)> _options = [];

    /// <summary>Every option of <c>serve</c>.</summary>
    public ServeOptions()
        : this(snapshotLimitsOnly: false)
    {
    }

    /// <param name="snapshotLimitsOnly">Only the snapshot zip limits (<c>--max-upload-bytes</c>,
    /// <c>--max-zip-entries</c>, <c>--max-zip-inflated-bytes</c>), which <c>workspace import</c> takes too.</param>
    public ServeOptions(bool snapshotLimitsOnly)
    {
        if (!snapshotLimitsOnly)
        {
            AddServerOptions();
        }

        Add(SettingKeys.MaxUploadBytes, "<n>", $"Largest snapshot zip in bytes; bigger ones get 413 [default: {SnapshotLimits.Default.MaxArchiveBytes}]");
        Add(SettingKeys.MaxZipEntries, "<n>", $"Most entries in a snapshot zip; more get 400 [default: {SnapshotLimits.Default.MaxEntries}]");
        Add(SettingKeys.MaxZipInflatedBytes, "<n>", $"Most bytes the markdown of a snapshot zip may inflate to in all; more get 413 [default: {SnapshotLimits.Default.MaxTotalInflatedBytes}]");
    }

    private void AddServerOptions()
    {
        Add(SettingKeys.Host, "<addr>", $"Address to listen on; 0.0.0.0 for a LAN home server [default: {ServerSettingsParser.DefaultHost}]");
        Add(SettingKeys.Port, "<n>", $"TCP port [default: {ServerSettingsParser.DefaultPort}]");
        Add(SettingKeys.Db, "<path>", $"SQLite database file [default: {ServerSettingsParser.DefaultDatabasePath}]");
        Add(SettingKeys.WorkspacesDir, "<path>", "Markdown mirror of the workspaces [default: <dir of --db>/workspaces]");
        Add(SettingKeys.AppBaseUrl, "<url>", $"Base URL of magic links [default: {ServerSettingsParser.DefaultAppBaseUrl}]");
        Add(SettingKeys.CorsOrigins, "<list>", "Comma-separated origins allowed cross-origin, or * [default: the origin of --app-base-url]");
        Add(SettingKeys.Dev, new Option<bool>(SettingKeys.Dev.Flag)
        {
            Description = "Return dev_link from /auth/magic-link (development only)",
        });
        Add(SettingKeys.SmtpHost, "<host>", "SMTP server for magic-link mail [default: none: links are logged]");
        Add(SettingKeys.SmtpPort, "<n>", $"SMTP port; 465 = implicit TLS, others STARTTLS [default: {SmtpSettings.DefaultPort}]");
        Add(SettingKeys.SmtpUsername, "<user>", "SMTP login (with --smtp-password)");
        Add(SettingKeys.SmtpPassword, "<password>", "SMTP password (prefer DIARYX_SMTP_PASSWORD: flags are visible in ps)");
        Add(SettingKeys.SmtpFromEmail, "<addr>", $"Sender address [default: {SmtpSettings.DefaultFromEmail}]");
        Add(SettingKeys.SmtpFromName, "<name>", $"Sender name [default: {SmtpSettings.DefaultFromName}]");
        Add(SettingKeys.SessionExpiryDays, "<n>", $"Session token lifetime in days [default: {ServerSettingsParser.DefaultSessionExpiryDays}]");
        Add(SettingKeys.MagicLinkExpiryMinutes, "<n>", $"Magic link lifetime in minutes [default: {ServerSettingsParser.DefaultMagicLinkExpiryMinutes}]");
        Add(SettingKeys.IdleUnloadSeconds, "<n>", $"Unload a document after this many idle seconds; 0 keeps every document loaded [default: {ServerSettingsParser.DefaultIdleUnloadSeconds}]");
        Add(SettingKeys.V1Handshake, "<on|off>", "Files-Ready handshake on /sync metadata sockets [default: on]");
        Add(SettingKeys.LogLevel, "<level>", $"Minimum log level: {string.Join(", ", ServerSettingsParser.LogLevels)} [default: the Logging section of appsettings.json]");
        Add(SettingKeys.MaxFrameBytes, "<n>", $"Largest WebSocket message in bytes; bigger ones close the socket with 1009 [default: {ServerLimits.Default.MaxFrameBytes}]");
        Add(SettingKeys.MaxDocsPerConnection, "<n>", $"Documents one WebSocket may have open [default: {ServerLimits.Default.MaxDocsPerConnection}]");
        Add(SettingKeys.MaxConnections, "<n>", $"Open WebSocket connections; more upgrades get HTTP 503 [default: {ServerLimits.Default.MaxConnections}]");
        Add(SettingKeys.MagicLinksPerEmailPerHour, "<n>", $"Magic links one email address may be sent per hour; more get 429 [default: {ServerLimits.Default.MagicLinksPerEmailPerHour}]");
        Add(SettingKeys.MagicLinksPerIpPerHour, "<n>", $"Magic-link requests per client address (IPv6: per /64) per hour; more get 429; 0 = no limit (e.g. behind a reverse proxy) [default: {ServerLimits.Default.MagicLinksPerIpPerHour}]");
        Add(SettingKeys.HandshakeTimeoutSeconds, "<n>", $"Seconds a client has for its request headers and, on /sync2, its first message; late ones are dropped (1008 after the upgrade) [default: {ServerLimits.Default.HandshakeTimeout.TotalSeconds}]");
        Add(SettingKeys.IdleTimeoutSeconds, "<n>", $"Close a WebSocket (1001) after this many seconds without a message from it; 0 = never [default: {ServerLimits.Default.IdleTimeout.TotalSeconds}]");
        Add(SettingKeys.PingIntervalSeconds, "<n>", $"Ping every WebSocket this often; 0 = never [default: {ServerLimits.Default.PingInterval.TotalSeconds}]");
        Add(SettingKeys.PingTimeoutSeconds, "<n>", $"Drop a WebSocket whose answer to a ping is this late [default: {ServerLimits.Default.PingTimeout.TotalSeconds}]");
    }

    /// <summary>Adds every option to <paramref name="command"/> (the same instances can sit on several commands).</summary>
    public void AddTo(Command command)
    {
        foreach (var (_, option) in _options)
        {
            command.Add(option);
        }
    }

    /// <summary>The flags present on the command line, as text (<c>--dev</c> alone is <c>true</c>).</summary>
    public Dictionary<SettingKey, string> ReadFlags(ParseResult parseResult)
    {
        var flags = new Dictionary<SettingKey, string>();
        foreach (var (key, option) in _options)
        {
            if (parseResult.GetResult(option) is not { Implicit: false })
            {
                continue;
            }

            flags[key] = option switch
            {
                Option<bool> flag => parseResult.GetValue(flag) ? "true" : "false",
                Option<string> text => parseResult.GetValue(text) ?? "",
                _ => throw new InvalidOperationException($"unexpected option type for {key.Flag}"),
            };
        }

        return flags;
    }

    private void Add(SettingKey key, string helpName, string description) =>
        Add(key, new Option<string>(key.Flag)
        {
            HelpName = helpName.Trim('<', '>'),
            Description = description,
        });

    private void Add(SettingKey key, Option option)
    {
        option.Description += $" [env: {key.EnvironmentVariable}]";
        _options.Add((key, option));
    }
}
