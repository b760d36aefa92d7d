using Diaryx.Sync.Lite.Access;
using Diaryx.Sync.Lite.Configuration;
using Diaryx.Sync.Lite.Storage;

namespace Diaryx.Sync.Lite.Cli;

/// <summary>
/// <c>token create --email &lt;e&gt; [--device-name &lt;n&gt;] [--db &lt;path&gt;]</c>: issues a session
/// token without the magic-link round trip (creating the user and its default workspace if needed)
/// and prints it alone on stdout, so scripts can capture it. Each call is a new device.
/// </summary>
internal static class TokenCommand
{
    /// <summary>Issues the token; 0 on success, 1 when the database cannot be used.</summary>
    public static async Task<int> CreateAsync(
        string email,
        string? deviceName,
        string databasePath,
        TimeSpan sessionExpiry,
        TextWriter output,
        TextWriter error,
        CancellationToken cancellationToken)
    {
        var services = new ServiceCollection()
            .AddLogging(logging => logging
                .SetMinimumLevel(LogLevel.Warning)
                .AddConsole(console => console.LogToStandardErrorThreshold = LogLevel.Trace))
            .AddDiaryxStorage(databasePath, (int)sessionExpiry.TotalDays);

        // Disposing the provider commits pending writes and closes the database.
        await using var provider = services.BuildServiceProvider();
        IssuedToken issued;
        try
        {
            issued = await provider.GetRequiredService<IAccountStore>().IssueTokenAsync(email, deviceName, cancellationToken);
        }
        catch (StorageException e)
        {
            await error.WriteLineAsync($"error: {e.Message}");
            return 1;
        }

        await output.WriteLineAsync(issued.Token);
        await error.WriteLineAsync(
            $"Session token for {email} (device {issued.DeviceId}, default workspace {issued.DefaultWorkspaceId}), "
            + $"valid {(int)sessionExpiry.TotalDays} days, in {databasePath}");
        return 0;
    }

    /// <summary>The <c>--email</c> value, trimmed; throws <see cref="SettingsException"/> unless it looks like an address.</summary>
    public static string ValidateEmail(string? email)
    {
        var trimmed = email?.Trim() ?? "";
        return ServerSettingsParser.IsEmailLike(trimmed)
            ? trimmed
            : throw new SettingsException($"--email: '{RawSetting.Printable(email ?? "")}' is not an email address");
    }
}
