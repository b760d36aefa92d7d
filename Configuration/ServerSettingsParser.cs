using System.Globalization;
using System.Net;
using Diaryx.Sync.Lite.Storage.Snapshots;

namespace Diaryx.Sync.Lite.Configuration;

/// <summary>
/// Turns the raw text of every <c>serve</c> option (<see cref="SettingSources"/>: flag &gt;
/// environment &gt; file) into a typed <see cref="ServerSettings"/>, applying defaults and making
/// paths absolute. Explicit parsing only (no reflection binding). The first bad value throws a
/// <see cref="SettingsException"/> whose message names the flag and where the value came from.
/// </summary>
internal static class ServerSettingsParser
{
    public const string DefaultHost = "127.0.0.1";
    public const int DefaultPort = 3030;
    public const string DefaultDatabasePath = "./diaryx_sync.db";
    public const string DefaultAppBaseUrl = "http://localhost:5173";
    public const int DefaultSessionExpiryDays = 30;
    public const int DefaultMagicLinkExpiryMinutes = 15;
    public const int DefaultIdleUnloadSeconds = 30;

    public const int MaxSessionExpiryDays = 3650;
    public const int MaxMagicLinkExpiryMinutes = 1440;
    public const int MaxIdleUnloadSeconds = 604800;

    public const int MinFrameBytes = 1024;
    public const int MaxFrameBytes = 1 << 30;
    public const int MaxDocsPerConnection = 1_000_000;
    public const int MaxConnections = 1_000_000;
    public const long MinUploadBytes = 1024;
    public const long MaxUploadBytes = 16L << 30;
    public const int MaxZipEntries = 1_000_000;
    public const long MinZipInflatedBytes = 1024;
    public const long MaxZipInflatedBytes = 64L << 30;
    public const int MaxMagicLinksPerHour = 100_000;
    public const int MaxTimeoutSeconds = 86_400;

    /// <summary>Level names accepted by <c>--log-level</c> (case-insensitive).</summary>
    public static readonly IReadOnlyList<LogLevel> LogLevels =
        [LogLevel.Trace, LogLevel.Debug, LogLevel.Information, LogLevel.Warning, LogLevel.Error, LogLevel.Critical, LogLevel.None];

    /// <summary>Resolves every option; relative paths are taken from <paramref name="currentDirectory"/>.</summary>
    public static ServerSettings Parse(SettingSources sources, string currentDirectory)
    {
        var host = sources.Get(SettingKeys.Host) is { } rawHost ? ParseListenHost(rawHost) : DefaultHost;
        var port = sources.Get(SettingKeys.Port) is { } rawPort ? ParsePort(rawPort) : DefaultPort;
        var databasePath = ParseDatabasePath(sources, currentDirectory);
        var workspacesDir = sources.Get(SettingKeys.WorkspacesDir) is { } rawWorkspaces
            ? ParseDirectory(rawWorkspaces, currentDirectory)
            : Path.Combine(Path.GetDirectoryName(databasePath)!, "workspaces");
        var appBaseUrl = sources.Get(SettingKeys.AppBaseUrl) is { } rawUrl
            ? ParseHttpUrl(rawUrl)
            : new Uri(DefaultAppBaseUrl);
        var corsOrigins = sources.Get(SettingKeys.CorsOrigins) is { } rawOrigins
            ? ParseOrigins(rawOrigins)
            : [appBaseUrl.GetLeftPart(UriPartial.Authority)];
        var dev = sources.Get(SettingKeys.Dev) is { } rawDev && ParseBoolean(rawDev);
        var smtp = ParseSmtp(sources);
        var sessionExpiry = ParseSessionExpiry(sources);
        var magicLinkExpiry = TimeSpan.FromMinutes(sources.Get(SettingKeys.MagicLinkExpiryMinutes) is { } rawMinutes
            ? ParseInteger(rawMinutes, 1, MaxMagicLinkExpiryMinutes, "a number of minutes")
            : DefaultMagicLinkExpiryMinutes);
        var idleUnload = TimeSpan.FromSeconds(sources.Get(SettingKeys.IdleUnloadSeconds) is { } rawSeconds
            ? ParseInteger(rawSeconds, 0, MaxIdleUnloadSeconds, "a number of seconds")
            : DefaultIdleUnloadSeconds);
        var v1Handshake = sources.Get(SettingKeys.V1Handshake) is not { } rawHandshake || ParseOnOff(rawHandshake);
        LogLevel? logLevel = sources.Get(SettingKeys.LogLevel) is { } rawLevel ? ParseLogLevel(rawLevel) : null;

        return new ServerSettings(
            host, port, databasePath, workspacesDir, appBaseUrl, corsOrigins, dev, smtp,
            sessionExpiry, magicLinkExpiry, idleUnload, v1Handshake, logLevel)
        {
            Limits = ParseLimits(sources),
        };
    }

    private static ServerLimits ParseLimits(SettingSources sources) => new()
    {
        MaxFrameBytes = sources.Get(SettingKeys.MaxFrameBytes) is { } rawFrame
            ? ParseInteger(rawFrame, MinFrameBytes, MaxFrameBytes, "a number of bytes")
            : ServerLimits.Default.MaxFrameBytes,
        MaxDocsPerConnection = sources.Get(SettingKeys.MaxDocsPerConnection) is { } rawDocs
            ? ParseInteger(rawDocs, 1, MaxDocsPerConnection, "a number of documents")
            : ServerLimits.Default.MaxDocsPerConnection,
        MaxConnections = sources.Get(SettingKeys.MaxConnections) is { } rawConnections
            ? ParseInteger(rawConnections, 1, MaxConnections, "a number of connections")
            : ServerLimits.Default.MaxConnections,
        Snapshots = ParseSnapshotLimits(sources),
        MagicLinksPerEmailPerHour = sources.Get(SettingKeys.MagicLinksPerEmailPerHour) is { } rawPerEmail
            ? ParseInteger(rawPerEmail, 1, MaxMagicLinksPerHour, "a number of links")
            : ServerLimits.Default.MagicLinksPerEmailPerHour,
        MagicLinksPerIpPerHour = sources.Get(SettingKeys.MagicLinksPerIpPerHour) is { } rawPerIp
            ? ParseInteger(rawPerIp, 0, MaxMagicLinksPerHour, "a number of requests")
            : ServerLimits.Default.MagicLinksPerIpPerHour,
        HandshakeTimeout = sources.Get(SettingKeys.HandshakeTimeoutSeconds) is { } rawHandshake
            ? TimeSpan.FromSeconds(ParseInteger(rawHandshake, 1, MaxTimeoutSeconds, "a number of seconds"))
            : ServerLimits.Default.HandshakeTimeout,
        IdleTimeout = sources.Get(SettingKeys.IdleTimeoutSeconds) is { } rawIdle
            ? TimeSpan.FromSeconds(ParseInteger(rawIdle, 0, MaxTimeoutSeconds, "a number of seconds"))
            : ServerLimits.Default.IdleTimeout,
        PingInterval = sources.Get(SettingKeys.PingIntervalSeconds) is { } rawPingInterval
            ? TimeSpan.FromSeconds(ParseInteger(rawPingInterval, 0, MaxTimeoutSeconds, "a number of seconds"))
            : ServerLimits.Default.PingInterval,
        PingTimeout = sources.Get(SettingKeys.PingTimeoutSeconds) is { } rawPingTimeout
            ? TimeSpan.FromSeconds(ParseInteger(rawPingTimeout, 1, MaxTimeoutSeconds, "a number of seconds"))
            : ServerLimits.Default.PingTimeout,
    };

    /// <summary><c>--max-upload-bytes</c>, <c>--max-zip-entries</c> and <c>--max-zip-inflated-bytes</c> (also used by <c>workspace import</c>).</summary>
    public static SnapshotLimits ParseSnapshotLimits(SettingSources sources) => SnapshotLimits.Default with
    {
        MaxArchiveBytes = sources.Get(SettingKeys.MaxUploadBytes) is { } rawUpload
            ? ParseLong(rawUpload, MinUploadBytes, MaxUploadBytes, "a number of bytes")
            : SnapshotLimits.Default.MaxArchiveBytes,
        MaxEntries = sources.Get(SettingKeys.MaxZipEntries) is { } rawEntries
            ? ParseInteger(rawEntries, 1, MaxZipEntries, "a number of entries")
            : SnapshotLimits.Default.MaxEntries,
        MaxTotalInflatedBytes = sources.Get(SettingKeys.MaxZipInflatedBytes) is { } rawInflated
            ? ParseLong(rawInflated, MinZipInflatedBytes, MaxZipInflatedBytes, "a number of bytes")
            : SnapshotLimits.Default.MaxTotalInflatedBytes,
    };

    /// <summary><c>--db</c> as an absolute path (also used by <c>token create</c>).</summary>
    public static string ParseDatabasePath(SettingSources sources, string currentDirectory)
    {
        if (sources.Get(SettingKeys.Db) is not { } raw)
        {
            return Path.GetFullPath(DefaultDatabasePath, currentDirectory);
        }

        var path = ParsePath(raw, currentDirectory);
        if (Directory.Exists(path) || path.EndsWith(Path.DirectorySeparatorChar))
        {
            throw raw.Invalid("is a directory, not a database file");
        }

        return path;
    }

    /// <summary><c>--session-expiry-days</c> (also used by <c>token create</c>).</summary>
    public static TimeSpan ParseSessionExpiry(SettingSources sources) =>
        TimeSpan.FromDays(sources.Get(SettingKeys.SessionExpiryDays) is { } raw
            ? ParseInteger(raw, 1, MaxSessionExpiryDays, "a number of days")
            : DefaultSessionExpiryDays);

    /// <summary>
    /// An IP address or <c>localhost</c>. Other host names are refused: Kestrel would bind them to
    /// every interface, which is not what <c>--host myname</c> suggests.
    /// </summary>
    private static string ParseListenHost(RawSetting raw)
    {
        if (string.Equals(raw.Text, "localhost", StringComparison.OrdinalIgnoreCase))
        {
            return "localhost";
        }

        return (raw.Text.Contains('.') || raw.Text.Contains(':')) && IPAddress.TryParse(raw.Text, out var address)
            ? address.ToString()
            : throw raw.Invalid("is not an IP address or localhost (use 0.0.0.0 or :: for every interface)");
    }

    private static string ParseHostName(RawSetting raw) =>
        Uri.CheckHostName(raw.Text) is UriHostNameType.Dns or UriHostNameType.IPv4 or UriHostNameType.IPv6
            ? raw.Text
            : throw raw.Invalid("is not a host name or IP address");

    private static int ParsePort(RawSetting raw) =>
        int.TryParse(raw.Text, NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port is >= 1 and <= 65535
            ? port
            : throw raw.Invalid("is not a port number (1-65535)");

    private static int ParseInteger(RawSetting raw, int min, int max, string what) =>
        int.TryParse(raw.Text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max
            ? value
            : throw raw.Invalid($"is not {what} ({min}-{max})");

    private static long ParseLong(RawSetting raw, long min, long max, string what) =>
        long.TryParse(raw.Text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max
            ? value
            : throw raw.Invalid($"is not {what} ({min}-{max})");

    private static string ParsePath(RawSetting raw, string currentDirectory)
    {
        var text = raw.Text;
        if (text.Length == 0 || text.Contains('\0'))
        {
            throw raw.Invalid("is not a path");
        }

        // A shell expands ~ in flags, but not in environment variables or appsettings.json.
        if ((text == "~" || text.StartsWith("~/", StringComparison.Ordinal))
            && Environment.GetFolderPath(Environment.SpecialFolder.UserProfile) is { Length: > 0 } home)
        {
            text = home + text[1..];
        }

        try
        {
            return Path.GetFullPath(text, currentDirectory);
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or PathTooLongException)
        {
            throw raw.Invalid("is not a path");
        }
    }

    private static string ParseDirectory(RawSetting raw, string currentDirectory)
    {
        var path = ParsePath(raw, currentDirectory);
        return File.Exists(path) ? throw raw.Invalid("is a file, not a directory") : Path.TrimEndingDirectorySeparator(path);
    }

    private static Uri ParseHttpUrl(RawSetting raw) =>
        Uri.TryCreate(raw.Text, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
            ? uri
            : throw raw.Invalid("is not an absolute http(s) URL");

    private static List<string> ParseOrigins(RawSetting raw)
    {
        var origins = new List<string>();
        foreach (var item in raw.Text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (item == "*")
            {
                origins.Add(item);
                continue;
            }

            if (!Uri.TryCreate(item, UriKind.Absolute, out var uri)
                || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps)
                || uri.UserInfo.Length > 0 || uri.AbsolutePath != "/" || uri.Query.Length > 0 || uri.Fragment.Length > 0)
            {
                throw new SettingsException($"{raw.Source}: '{item}' is not an origin like https://host[:port] (or *)");
            }

            var origin = uri.GetLeftPart(UriPartial.Authority);
            if (!origins.Contains(origin))
            {
                origins.Add(origin);
            }
        }

        return origins;
    }

    private static bool ParseBoolean(RawSetting raw) => raw.Text.ToLowerInvariant() switch
    {
        "true" or "1" or "yes" or "on" => true,
        "false" or "0" or "no" or "off" => false,
        _ => throw raw.Invalid("is not true or false"),
    };

    private static bool ParseOnOff(RawSetting raw) => raw.Text.ToLowerInvariant() switch
    {
        "on" or "true" => true,
        "off" or "false" => false,
        _ => throw raw.Invalid("is not on or off"),
    };

    private static LogLevel ParseLogLevel(RawSetting raw)
    {
        foreach (var level in LogLevels)
        {
            if (string.Equals(level.ToString(), raw.Text, StringComparison.OrdinalIgnoreCase))
            {
                return level;
            }
        }

        throw raw.Invalid($"is not a log level ({string.Join(", ", LogLevels)})");
    }

    private static SmtpSettings? ParseSmtp(SettingSources sources)
    {
        var host = sources.Get(SettingKeys.SmtpHost) is { Text.Length: > 0 } rawHost ? ParseHostName(rawHost) : null;
        var port = sources.Get(SettingKeys.SmtpPort) is { } rawPort ? ParsePort(rawPort) : (int?)null;
        var username = OneLine(sources.Get(SettingKeys.SmtpUsername));
        var password = OneLine(sources.Get(SettingKeys.SmtpPassword), echo: false);
        var fromEmail = sources.Get(SettingKeys.SmtpFromEmail) is { Text.Length: > 0 } rawFrom ? ParseEmail(rawFrom) : null;
        var fromName = OneLine(sources.Get(SettingKeys.SmtpFromName));

        if (host is null)
        {
            var orphan = (port, username, password, fromEmail, fromName) switch
            {
                ({ }, _, _, _, _) => SettingKeys.SmtpPort,
                (_, { }, _, _, _) => SettingKeys.SmtpUsername,
                (_, _, { }, _, _) => SettingKeys.SmtpPassword,
                (_, _, _, { }, _) => SettingKeys.SmtpFromEmail,
                (_, _, _, _, { }) => SettingKeys.SmtpFromName,
                _ => null,
            };
            return orphan is null
                ? null
                : throw new SettingsException($"{SettingKeys.SmtpHost.Flag}: required when {orphan.Flag} is set");
        }

        if ((username is null) != (password is null))
        {
            var (missing, given) = username is null
                ? (SettingKeys.SmtpUsername, SettingKeys.SmtpPassword)
                : (SettingKeys.SmtpPassword, SettingKeys.SmtpUsername);
            throw new SettingsException($"{missing.Flag}: required when {given.Flag} is set");
        }

        return new SmtpSettings(
            host,
            port ?? SmtpSettings.DefaultPort,
            username,
            password,
            fromEmail ?? SmtpSettings.DefaultFromEmail,
            fromName ?? SmtpSettings.DefaultFromName);
    }

    private static string ParseEmail(RawSetting raw) =>
        IsEmailLike(raw.Text) ? raw.Text : throw raw.Invalid("is not an email address");

    /// <summary>Minimal check: something@something, one line, no spaces.</summary>
    public static bool IsEmailLike(string text) =>
        text.IndexOf('@') is > 0 and var at && at < text.Length - 1 && !text.Any(char.IsWhiteSpace) && !text.Any(char.IsControl);

    /// <summary>An optional free-text value (empty = unset) that ends up in a mail header: no line breaks.</summary>
    private static string? OneLine(RawSetting? raw, bool echo = true)
    {
        if (raw is not { Text.Length: > 0 } value)
        {
            return null;
        }

        if (value.Text.Any(char.IsControl))
        {
            throw echo
                ? value.Invalid("must be one line without control characters")
                : new SettingsException($"{value.Source}: must be one line without control characters");
        }

        return value.Text;
    }
}
