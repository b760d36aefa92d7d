namespace Diaryx.Sync.Lite.Yjs.Types;

/// <summary>The type refs of update v1 (ContentType); <see cref="Unknown"/> is a root not yet asked for by kind.</summary>
public enum TypeKind
{
    Unknown = -1,
    Array = 0,
    Map = 1,
    Text = 2,
    XmlElement = 3,
    XmlFragment = 4,
    XmlHook = 5,
    XmlText = 6,
}
