using System.Text;
using System.Text.Json;

namespace Diaryx.Sync.Lite.Documents;

/// <summary>An attachment of a file (Diaryx <c>BinaryRef</c>): a workspace-relative path and where its bytes are.</summary>
public sealed record BinaryRef(string Path, string Source, string Hash, string MimeType, ulong Size, long? UploadedAt, bool Deleted)
{
    /// <summary>What snapshot import creates for an attachment path (upstream's values).</summary>
    public static BinaryRef Local(string path) => new(path, "local", "", "", 0, null, false);
}

/// <summary>
/// Diaryx <c>FileMetadata</c>: the value of one entry of a workspace's <c>files</c> map, stored as a
/// JSON string (reference/http-storage.md §6.1). Reading is lenient (every field has a default,
/// <c>title</c>/<c>description</c>/<c>filename</c> accept numbers and booleans, malformed list items
/// and attachments are dropped one by one); <see cref="ToJson"/> writes the fields in Diaryx's order,
/// followed by any unknown top-level fields it read, so a newer client's fields survive a rewrite.
/// </summary>
public sealed record FileMetadata
{
    /// <summary>File name only, e.g. <c>note.md</c>.</summary>
    public string Filename { get; init; } = "";
    public string? Title { get; init; }
    /// <summary>Parent doc id, or (legacy) a path or a markdown link.</summary>
    public string? PartOf { get; init; }
    /// <summary>Children (doc ids or paths); null = not an index, empty = an index without children.</summary>
    public IReadOnlyList<string>? Contents { get; init; }
    public IReadOnlyList<BinaryRef> Attachments { get; init; } = [];
    /// <summary>Soft-delete tombstone.</summary>
    public bool Deleted { get; init; }
    public IReadOnlyList<string>? Audience { get; init; }
    public string? Description { get; init; }
    /// <summary>Other frontmatter, in order: key and raw JSON value.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Extra { get; init; } = [];
    /// <summary>Unix milliseconds.</summary>
    public long ModifiedAt { get; init; }
    /// <summary>Top-level fields this version does not know, in order: name and raw JSON value.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> OtherFields { get; init; } = [];

    private static readonly HashSet<string> KnownFields = new(StringComparer.Ordinal)
    {
        "filename", "title", "part_of", "contents", "attachments", "deleted", "audience", "description", "extra", "modified_at",
    };

    /// <summary>Reads a files-map value; false if it is not a JSON object.</summary>
    public static bool TryParse(string json, out FileMetadata metadata)
    {
        metadata = null!;
        try
        {
            using var document = JsonDocument.Parse(json);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object) return false;
            metadata = new FileMetadata
            {
                Filename = LenientString(root, "filename") ?? "",
                Title = LenientString(root, "title"),
                PartOf = LenientString(root, "part_of"),
                Contents = StringList(root, "contents"),
                Attachments = ReadAttachments(root),
                Deleted = root.TryGetProperty("deleted", out var deleted) && deleted.ValueKind == JsonValueKind.True,
                Audience = StringList(root, "audience"),
                Description = LenientString(root, "description"),
                Extra = root.TryGetProperty("extra", out var extra) && extra.ValueKind == JsonValueKind.Object
                    ? [.. extra.EnumerateObject().Select(p => KeyValuePair.Create(p.Name, CompactJson.AppendElement(new StringBuilder(), p.Value).ToString()))]
                    : [],
                ModifiedAt = root.TryGetProperty("modified_at", out var modified) && modified.ValueKind == JsonValueKind.Number && modified.TryGetInt64(out var ms) ? ms : 0,
                OtherFields = [.. root.EnumerateObject()
                    .Where(p => !KnownFields.Contains(p.Name))
                    .Select(p => KeyValuePair.Create(p.Name, CompactJson.AppendElement(new StringBuilder(), p.Value).ToString()))],
            };
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    /// <summary>Compact JSON in Diaryx's field order (then unknown fields), as Diaryx clients write it.</summary>
    public string ToJson()
    {
        var json = new StringBuilder(128);
        json.Append("{\"filename\":");
        CompactJson.AppendString(json, Filename);
        json.Append(",\"title\":");
        AppendNullableString(json, Title);
        json.Append(",\"part_of\":");
        AppendNullableString(json, PartOf);
        json.Append(",\"contents\":");
        AppendNullableList(json, Contents);
        json.Append(",\"attachments\":[");
        for (var i = 0; i < Attachments.Count; i++)
        {
            var attachment = Attachments[i];
            if (i > 0) json.Append(',');
            json.Append("{\"path\":");
            CompactJson.AppendString(json, attachment.Path);
            json.Append(",\"source\":");
            CompactJson.AppendString(json, attachment.Source);
            json.Append(",\"hash\":");
            CompactJson.AppendString(json, attachment.Hash);
            json.Append(",\"mime_type\":");
            CompactJson.AppendString(json, attachment.MimeType);
            json.Append(",\"size\":").Append(attachment.Size);
            json.Append(",\"uploaded_at\":");
            if (attachment.UploadedAt is { } uploadedAt) json.Append(uploadedAt);
            else json.Append("null");
            json.Append(",\"deleted\":").Append(attachment.Deleted ? "true" : "false").Append('}');
        }
        json.Append("],\"deleted\":").Append(Deleted ? "true" : "false");
        json.Append(",\"audience\":");
        AppendNullableList(json, Audience);
        json.Append(",\"description\":");
        AppendNullableString(json, Description);
        json.Append(",\"extra\":{");
        for (var i = 0; i < Extra.Count; i++)
        {
            if (i > 0) json.Append(',');
            CompactJson.AppendString(json, Extra[i].Key).Append(':').Append(Extra[i].Value);
        }
        json.Append("},\"modified_at\":").Append(ModifiedAt);
        foreach (var (name, value) in OtherFields)
        {
            json.Append(',');
            CompactJson.AppendString(json, name).Append(':').Append(value);
        }
        return json.Append('}').ToString();
    }

    private static void AppendNullableString(StringBuilder json, string? value)
    {
        if (value == null) json.Append("null");
        else CompactJson.AppendString(json, value);
    }

    private static void AppendNullableList(StringBuilder json, IReadOnlyList<string>? items)
    {
        if (items == null)
        {
            json.Append("null");
            return;
        }
        json.Append('[');
        for (var i = 0; i < items.Count; i++)
        {
            if (i > 0) json.Append(',');
            CompactJson.AppendString(json, items[i]);
        }
        json.Append(']');
    }

    /// <summary>Strings as they are; numbers and booleans as their text (Diaryx reads these leniently).</summary>
    private static string? LenientString(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value)
            ? value.ValueKind switch
            {
                JsonValueKind.String => value.GetString(),
                JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => value.GetRawText(),
                _ => null,
            }
            : null;

    /// <summary>An array's string items (others dropped); null if absent or not an array.</summary>
    private static List<string>? StringList(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Array
            ? [.. value.EnumerateArray().Where(v => v.ValueKind == JsonValueKind.String).Select(v => v.GetString()!)]
            : null;

    /// <summary>Attachment objects with a string <c>path</c>; other fields default when missing or mistyped.</summary>
    private static List<BinaryRef> ReadAttachments(JsonElement root)
    {
        var attachments = new List<BinaryRef>();
        if (!root.TryGetProperty("attachments", out var list) || list.ValueKind != JsonValueKind.Array) return attachments;
        foreach (var item in list.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Object || !item.TryGetProperty("path", out var path) || path.ValueKind != JsonValueKind.String) continue;
            attachments.Add(new BinaryRef(
                path.GetString()!,
                StringField(item, "source"),
                StringField(item, "hash"),
                StringField(item, "mime_type"),
                item.TryGetProperty("size", out var size) && size.ValueKind == JsonValueKind.Number && size.TryGetUInt64(out var bytes) ? bytes : 0,
                item.TryGetProperty("uploaded_at", out var uploaded) && uploaded.ValueKind == JsonValueKind.Number && uploaded.TryGetInt64(out var at) ? at : null,
                item.TryGetProperty("deleted", out var deleted) && deleted.ValueKind == JsonValueKind.True));
        }
        return attachments;
    }

    private static string StringField(JsonElement item, string name) =>
        item.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString()! : "";
}
