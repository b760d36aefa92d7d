using Diaryx.Sync.Lite.Yjs.Lib0;
using Diaryx.Sync.Lite.Yjs.Structs;

namespace Diaryx.Sync.Lite.Yjs.Types;

/// <summary>How local values become item content, as yjs decides it.</summary>
internal static class ContentFactory
{
    /// <summary>Bytes become Binary content; every other value is Any.</summary>
    public static IContent ForValue(AnyValue value) => value is AnyBytes bytes ? new ContentBinary(bytes.Value) : new ContentAny([value]);

    public static ContentType ForType(TypeKind kind, string? nodeName)
    {
        if (kind == TypeKind.Unknown) throw new ArgumentException("A nested type needs a kind", nameof(kind));
        if (kind is TypeKind.XmlElement or TypeKind.XmlHook && string.IsNullOrEmpty(nodeName)) throw new ArgumentException("XML elements and hooks need a name", nameof(nodeName));
        return new ContentType(new YType(kind, kind is TypeKind.XmlElement or TypeKind.XmlHook ? nodeName : null));
    }
}
