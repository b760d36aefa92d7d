using System.Text;

namespace Diaryx.Sync.Lite.Configuration;

/// <summary>
/// One configurable option and its three spellings: the flag (<c>--idle-unload-seconds</c>), the
/// environment variable (<c>DIARYX_IDLE_UNLOAD_SECONDS</c>) and the key in the <c>Diaryx</c>
/// section of appsettings.json (<c>IdleUnloadSeconds</c>).
/// </summary>
internal sealed class SettingKey
{
    public const string EnvironmentPrefix = "DIARYX_";

    public SettingKey(string name)
    {
        Name = name;
        Flag = "--" + name;
        EnvironmentVariable = EnvironmentPrefix + name.ToUpperInvariant().Replace('-', '_');
        FileKey = ToPascalCase(name);
    }

    /// <summary>The flag without dashes, e.g. <c>idle-unload-seconds</c>.</summary>
    public string Name { get; }

    public string Flag { get; }

    public string EnvironmentVariable { get; }

    public string FileKey { get; }

    public override string ToString() => Flag;

    private static string ToPascalCase(string name)
    {
        var result = new StringBuilder(name.Length);
        foreach (var part in name.Split('-'))
        {
            result.Append(char.ToUpperInvariant(part[0])).Append(part.AsSpan(1));
        }

        return result.ToString();
    }
}

/// <summary>Every option of <c>serve</c> (DESIGN.md §5), in help order.</summary>
internal static class SettingKeys
{
    public static readonly SettingKey Host = new("host");
    public static readonly SettingKey Port = new("port");
    public static readonly SettingKey Db = new("db");
    public static readonly SettingKey WorkspacesDir = new("workspaces-dir");
    public static readonly SettingKey AppBaseUrl = new("app-base-url");
    public static readonly SettingKey CorsOrigins = new("cors-origins");
    public static readonly SettingKey Dev = new("dev");
    public static readonly SettingKey SmtpHost = new("smtp-host");
    public static readonly SettingKey SmtpPort = new("smtp-port");
    public static readonly SettingKey SmtpUsername = new("smtp-username");
    public static readonly SettingKey SmtpPassword = new("smtp-password");
    public static readonly SettingKey SmtpFromEmail = new("smtp-from-email");
    public static readonly SettingKey SmtpFromName = new("smtp-from-name");
    public static readonly SettingKey SessionExpiryDays = new("session-expiry-days");
    public static readonly SettingKey MagicLinkExpiryMinutes = new("magic-link-expiry-minutes");
    public static readonly SettingKey IdleUnloadSeconds = new("idle-unload-seconds");
    public static readonly SettingKey V1Handshake = new("v1-handshake");
    public static readonly SettingKey LogLevel = new("log-level");
    public static readonly SettingKey MaxFrameBytes = new("max-frame-bytes");
    public static readonly SettingKey MaxDocsPerConnection = new("max-docs-per-connection");
    public static readonly SettingKey MaxConnections = new("max-connections");
    public static readonly SettingKey MaxUploadBytes = new("max-upload-bytes");
    public static readonly SettingKey MaxZipEntries = new("max-zip-entries");
    public static readonly SettingKey MaxZipInflatedBytes = new("max-zip-inflated-bytes");
    public static readonly SettingKey MagicLinksPerEmailPerHour = new("magic-links-per-email-per-hour");
    public static readonly SettingKey MagicLinksPerIpPerHour = new("magic-links-per-ip-per-hour");
    public static readonly SettingKey HandshakeTimeoutSeconds = new("handshake-timeout-seconds");
    public static readonly SettingKey IdleTimeoutSeconds = new("idle-timeout-seconds");
    public static readonly SettingKey PingIntervalSeconds = new("ping-interval-seconds");
    public static readonly SettingKey PingTimeoutSeconds = new("ping-timeout-seconds");

    public static IReadOnlyList<SettingKey> All { get; } =
    [
        Host, Port, Db, WorkspacesDir, AppBaseUrl, CorsOrigins, Dev,
        SmtpHost, SmtpPort, SmtpUsername, SmtpPassword, SmtpFromEmail, SmtpFromName,
        SessionExpiryDays, MagicLinkExpiryMinutes, IdleUnloadSeconds, V1Handshake, LogLevel,
        MaxFrameBytes, MaxDocsPerConnection, MaxConnections, MaxUploadBytes, MaxZipEntries, MaxZipInflatedBytes,
        MagicLinksPerEmailPerHour, MagicLinksPerIpPerHour,
        HandshakeTimeoutSeconds, IdleTimeoutSeconds, PingIntervalSeconds, PingTimeoutSeconds,
    ];
}
