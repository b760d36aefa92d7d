using Diaryx.Sync.Lite.Yjs.Lib0;
using Diaryx.Sync.Lite.Yjs.Structs;

namespace Diaryx.Sync.Lite.Yjs.Types;

/// <summary>A Y.Map view over a shared type.</summary>
public sealed class YMap(YType type)
{
    public YType Type { get; } = type;

    public int Count => Type.LiveEntries().Count();

    public IEnumerable<string> Keys => Type.LiveEntries().Select(e => e.Key);

    public bool ContainsKey(string key) => Type.Map.TryGetValue(key, out var item) && !item.IsDeleted;

    /// <summary>The JSON view of the value at <paramref name="key"/> (nested types as JSON), or null if absent.</summary>
    public AnyValue? Get(string key) =>
        Type.Map.TryGetValue(key, out var item) && !item.IsDeleted ? item.Content.JsonValues().Last() : null;

    /// <summary>The nested type at <paramref name="key"/>, or null if the value is not a type.</summary>
    public YType? GetType(string key) =>
        Type.Map.TryGetValue(key, out var item) && !item.IsDeleted && item.Content is ContentType t ? t.Type : null;

    public void Set(string key, AnyValue value) => SetContent(key, ContentFactory.ForValue(value));

    /// <summary>Stores a new nested type at <paramref name="key"/> and returns it.</summary>
    public YType SetType(string key, TypeKind kind, string? nodeName = null)
    {
        var content = ContentFactory.ForType(kind, nodeName);
        SetContent(key, content);
        return content.Type;
    }

    private void SetContent(string key, IContent content) =>
        Type.RequireDoc().Transact(t =>
        {
            var left = Type.Map.GetValueOrDefault(key);
            Type.InsertItem(t, left, null, key, content);
        });

    public void Delete(string key) =>
        Type.RequireDoc().Transact(t =>
        {
            if (Type.Map.TryGetValue(key, out var item)) item.Delete(t);
        });

    public AnyValue ToJson() => Type.ToJson();
}
