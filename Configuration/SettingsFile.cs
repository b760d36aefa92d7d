using System.Text.Json;

namespace Diaryx.Sync.Lite.Configuration;

/// <summary>
/// The flat <c>"Diaryx"</c> section of the appsettings.json beside the executable, e.g.
/// <c>{ "Diaryx": { "Port": 3030, "IdleUnloadSeconds": 30, "CorsOrigins": ["https://a.example"] } }</c>.
/// Keys are the flags in PascalCase (<see cref="SettingKey.FileKey"/>), case-insensitive. Other
/// sections (<c>Logging</c>, ...) belong to the host. Read with <see cref="JsonDocument"/>: no
/// reflection, nothing for AOT to miss.
/// </summary>
internal sealed class SettingsFile
{
    public const string SectionName = "Diaryx";

    private readonly Dictionary<string, string> _values;

    private SettingsFile(string path, Dictionary<string, string> values)
    {
        Path = path;
        _values = values;
    }

    /// <summary>The file's absolute path (it may not exist).</summary>
    public string Path { get; }

    /// <summary>The default location: <c>appsettings.json</c> in the executable's directory.</summary>
    public static string DefaultPath => System.IO.Path.Combine(AppContext.BaseDirectory, "appsettings.json");

    /// <summary>A file with no settings (every value falls through to the default).</summary>
    public static SettingsFile Empty(string path) => new(path, new(StringComparer.OrdinalIgnoreCase));

    /// <summary>Where a key's value came from, for error messages.</summary>
    public string Describe(SettingKey key) => $"{SectionName}:{key.FileKey} in {Path}";

    /// <summary>The key's value as text (numbers and booleans as written, arrays joined by commas), or null.</summary>
    public string? Get(SettingKey key) => _values.GetValueOrDefault(key.FileKey);

    /// <summary>
    /// Reads <paramref name="path"/>; a missing file is an empty one. Throws <see cref="SettingsException"/>
    /// for invalid JSON, an unknown key in the section (a typo should not be silently ignored) or a value
    /// that is not a string, number, boolean or (for <c>CorsOrigins</c>) an array of strings.
    /// </summary>
    public static SettingsFile Load(string path)
    {
        path = System.IO.Path.GetFullPath(path);
        if (!File.Exists(path))
        {
            return Empty(path);
        }

        JsonDocument document;
        try
        {
            var options = new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true };
            document = JsonDocument.Parse(File.ReadAllBytes(path), options);
        }
        catch (JsonException e)
        {
            throw new SettingsException($"{path}: not valid JSON: {e.Message}");
        }
        catch (IOException e)
        {
            throw new SettingsException($"{path}: cannot be read: {e.Message}");
        }

        using (document)
        {
            var values = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new SettingsException($"{path}: the top level must be a JSON object");
            }

            foreach (var section in document.RootElement.EnumerateObject())
            {
                if (!section.NameEquals(SectionName) && !string.Equals(section.Name, SectionName, StringComparison.OrdinalIgnoreCase))
                {
                    continue;
                }

                if (section.Value.ValueKind != JsonValueKind.Object)
                {
                    throw new SettingsException($"{SectionName} in {path}: must be a JSON object");
                }

                foreach (var property in section.Value.EnumerateObject())
                {
                    var key = SettingKeys.All.FirstOrDefault(k => string.Equals(k.FileKey, property.Name, StringComparison.OrdinalIgnoreCase))
                              ?? throw new SettingsException(
                                  $"{SectionName}:{property.Name} in {path}: unknown setting (known: {string.Join(", ", SettingKeys.All.Select(k => k.FileKey))})");
                    if (ToText(key, property.Value) is { } text)
                    {
                        values[key.FileKey] = text;
                    }
                    else
                    {
                        throw new SettingsException(
                            $"{key.Flag} (from {SectionName}:{key.FileKey} in {path}): must be a string, number or boolean"
                            + (key == SettingKeys.CorsOrigins ? ", or an array of strings" : ""));
                    }
                }
            }

            return new SettingsFile(path, values);
        }
    }

    private static string? ToText(SettingKey key, JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString(),
        JsonValueKind.Number => value.GetRawText(),
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        JsonValueKind.Null => "",
        JsonValueKind.Array when key == SettingKeys.CorsOrigins
                                 && value.EnumerateArray().All(e => e.ValueKind == JsonValueKind.String)
            => string.Join(',', value.EnumerateArray().Select(e => e.GetString())),
        _ => null,
    };
}
