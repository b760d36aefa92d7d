namespace Diaryx.Sync.Lite.Configuration;

/// <summary>
/// The layers a setting is looked up in, first match wins: the command-line flag, then the
/// <c>DIARYX_*</c> environment variable, then the appsettings.json file; the caller supplies the
/// default. Empty environment variables and empty file values count as unset; an empty flag value
/// (<c>--cors-origins ""</c>) is a value.
/// </summary>
internal sealed class SettingSources(
    IReadOnlyDictionary<SettingKey, string> flags,
    Func<string, string?> environment,
    SettingsFile file)
{
    /// <summary>The flag values given on the command line (absent flags are not in the dictionary).</summary>
    public IReadOnlyDictionary<SettingKey, string> Flags { get; } = flags;

    public SettingsFile File { get; } = file;

    /// <summary>The value of <paramref name="key"/> from the highest layer that sets it, or null.</summary>
    public RawSetting? Get(SettingKey key)
    {
        if (Flags.TryGetValue(key, out var flag))
        {
            return new RawSetting(key, flag, Origin: null);
        }

        if (environment(key.EnvironmentVariable) is { Length: > 0 } env)
        {
            return new RawSetting(key, env, key.EnvironmentVariable);
        }

        if (File.Get(key) is { Length: > 0 } fromFile)
        {
            return new RawSetting(key, fromFile, File.Describe(key));
        }

        return null;
    }
}

/// <summary>A setting's text as found, and where: <see cref="Origin"/> is null for the command line.</summary>
internal readonly record struct RawSetting(SettingKey Key, string Text, string? Origin)
{
    /// <summary><c>--port</c>, or <c>--port (from DIARYX_PORT)</c>: how error lines start.</summary>
    public string Source => Origin is null ? Key.Flag : $"{Key.Flag} (from {Origin})";

    /// <summary>The one-line error <c>--port (from DIARYX_PORT): 'abc' is not a port number (1-65535)</c>.</summary>
    public SettingsException Invalid(string problem) => new($"{Source}: '{Printable(Text)}' {problem}");

    /// <summary>The value with control characters escaped (<c>\n</c>, <c>\u001b</c>), so an error stays one line.</summary>
    public static string Printable(string text)
    {
        if (!text.Any(char.IsControl))
        {
            return text;
        }

        var builder = new System.Text.StringBuilder(text.Length + 8);
        foreach (var c in text)
        {
            builder.Append(c switch
            {
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                _ when char.IsControl(c) => $"\\u{(int)c:x4}",
                _ => c.ToString(),
            });
        }

        return builder.ToString();
    }
}
