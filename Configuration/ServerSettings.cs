using System.Text;
using Diaryx.Sync.Lite.Storage.Snapshots;

namespace Diaryx.Sync.Lite.Configuration;

/// <summary>
/// Everything <c>serve</c> runs with, resolved once at startup from flags, <c>DIARYX_*</c>
/// environment variables, <c>appsettings.json</c> and defaults (see <see cref="ServerSettingsParser"/>).
/// Registered in DI as a singleton: take it in a constructor to read any option.
/// </summary>
/// <param name="Host">Address to listen on (<c>--host</c>): an IP address or a host name.</param>
/// <param name="Port">TCP port to listen on (<c>--port</c>).</param>
/// <param name="DatabasePath">Absolute path of the SQLite file (<c>--db</c>).</param>
/// <param name="WorkspacesDir">Absolute path of the markdown mirror (<c>--workspaces-dir</c>,
/// default <c>&lt;dir of DatabasePath&gt;/workspaces</c>).</param>
/// <param name="AppBaseUrl">Base of magic links (<c>--app-base-url</c>), an absolute http(s) URL.</param>
/// <param name="CorsOrigins">Browser origins allowed cross-origin (<c>--cors-origins</c>), each
/// <c>scheme://host[:port]</c> without a trailing slash, or <c>*</c>; default: the origin of <see cref="AppBaseUrl"/>.</param>
/// <param name="Dev">Whether <c>/auth/magic-link</c> returns <c>dev_link</c> (<c>--dev</c>).</param>
/// <param name="Smtp">How to send magic-link mail, or null when no SMTP host is configured.</param>
/// <param name="SessionExpiry">Lifetime of a session token (<c>--session-expiry-days</c>), whole days.</param>
/// <param name="MagicLinkExpiry">Lifetime of a magic link (<c>--magic-link-expiry-minutes</c>), whole minutes.</param>
/// <param name="IdleUnload">How long an unused document stays loaded (<c>--idle-unload-seconds</c>);
/// <see cref="TimeSpan.Zero"/> keeps every document loaded.</param>
/// <param name="V1Handshake">Whether <c>/sync</c> metadata sockets use the Files-Ready handshake (<c>--v1-handshake</c>).</param>
/// <param name="LogLevel">Minimum log level (<c>--log-level</c>), or null to use the <c>Logging</c>
/// section of appsettings.json as is.</param>
public sealed record ServerSettings(
    string Host,
    int Port,
    string DatabasePath,
    string WorkspacesDir,
    Uri AppBaseUrl,
    IReadOnlyList<string> CorsOrigins,
    bool Dev,
    SmtpSettings? Smtp,
    TimeSpan SessionExpiry,
    TimeSpan MagicLinkExpiry,
    TimeSpan IdleUnload,
    bool V1Handshake,
    LogLevel? LogLevel)
{
    /// <summary>Frame, document, connection and upload limits (<c>--max-*</c>).</summary>
    public ServerLimits Limits { get; init; } = ServerLimits.Default;

    /// <summary>The URL Kestrel binds, e.g. <c>http://127.0.0.1:3030</c> (IPv6 literals bracketed).</summary>
    public string ListenUrl => Host.Contains(':') && !Host.StartsWith('[')
        ? $"http://[{Host}]:{Port}"
        : $"http://{Host}:{Port}";
}

/// <summary>The limits of <c>serve</c> (README "Limits"); each has a flag and a default.</summary>
public sealed record ServerLimits
{
    public static ServerLimits Default { get; } = new();

    /// <summary>Largest WebSocket message (<c>--max-frame-bytes</c>); a bigger one closes the socket with 1009.</summary>
    public int MaxFrameBytes { get; init; } = 16 << 20;

    /// <summary>Documents one WebSocket may have open (<c>--max-docs-per-connection</c>); more are refused with an error text.</summary>
    public int MaxDocsPerConnection { get; init; } = 10_000;

    /// <summary>Open WebSocket connections, authenticated or not (<c>--max-connections</c>); more upgrades get HTTP 503.</summary>
    public int MaxConnections { get; init; } = 10_000;

    /// <summary>
    /// Snapshot zips, for <c>POST /api/workspaces/{id}/snapshot</c> and <c>workspace import</c> alike:
    /// archive size (<c>--max-upload-bytes</c>, 413), entry count (<c>--max-zip-entries</c>, 400) and
    /// inflated size of all markdown together (<c>--max-zip-inflated-bytes</c>, 413).
    /// </summary>
    public SnapshotLimits Snapshots { get; init; } = SnapshotLimits.Default;

    /// <summary>Magic links one email address may be sent per hour (<c>--magic-links-per-email-per-hour</c>); more get 429.</summary>
    public int MagicLinksPerEmailPerHour { get; init; } = 3;

    /// <summary>
    /// Magic-link requests one client address (IPv6: one /64) may make per hour
    /// (<c>--magic-links-per-ip-per-hour</c>); more get 429. 0 = no limit (behind a reverse proxy every
    /// client has the proxy's address).
    /// </summary>
    public int MagicLinksPerIpPerHour { get; init; } = 30;

    /// <summary>
    /// How long a client has to send its request headers (the WebSocket upgrade included), and on
    /// <c>/sync2</c>, which authenticates with the first document, to send its first message
    /// (<c>--handshake-timeout-seconds</c>). Late ones are dropped, or closed with 1008 after the upgrade.
    /// </summary>
    public TimeSpan HandshakeTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How long a WebSocket may go without sending a message before it is closed with 1001
    /// (<c>--idle-timeout-seconds</c>); <see cref="TimeSpan.Zero"/> = never, the default: Diaryx clients
    /// send nothing while nobody edits, and pings already drop the peers that are gone.
    /// </summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.Zero;

    /// <summary>How often the server pings each WebSocket (<c>--ping-interval-seconds</c>); <see cref="TimeSpan.Zero"/> = never.</summary>
    public TimeSpan PingInterval { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How long a ping may go unanswered before the socket is dropped as dead (<c>--ping-timeout-seconds</c>).</summary>
    public TimeSpan PingTimeout { get; init; } = TimeSpan.FromSeconds(60);
}

/// <summary>SMTP delivery of magic links (<c>--smtp-*</c>). Port 465 means implicit TLS, other ports STARTTLS.</summary>
/// <param name="Host">SMTP server host name (<c>--smtp-host</c>).</param>
/// <param name="Port">SMTP server port (<c>--smtp-port</c>, default 465).</param>
/// <param name="Username">Login (<c>--smtp-username</c>), or null to send without authentication.</param>
/// <param name="Password">Password (<c>--smtp-password</c>); set exactly when <paramref name="Username"/> is.
/// Never printed: <see cref="ToString"/> redacts it.</param>
/// <param name="FromEmail">Sender address (<c>--smtp-from-email</c>, default <c>noreply@diaryx.org</c>).</param>
/// <param name="FromName">Sender display name (<c>--smtp-from-name</c>, default <c>Diaryx</c>).</param>
public sealed record SmtpSettings(
    string Host,
    int Port,
    string? Username,
    string? Password,
    string FromEmail,
    string FromName)
{
    public const int DefaultPort = 465;
    public const string DefaultFromEmail = "noreply@diaryx.org";
    public const string DefaultFromName = "Diaryx";

    private bool PrintMembers(StringBuilder builder)
    {
        builder.Append($"Host = {Host}, Port = {Port}, Username = {Username}, ")
            .Append($"Password = {(Password is null ? "" : "***")}, FromEmail = {FromEmail}, FromName = {FromName}");
        return true;
    }
}
