namespace Diaryx.Sync.Lite.Yjs.Types;

/// <summary>A Y.XmlFragment view (ProseMirror/TipTap documents): readable as yjs's XML string.</summary>
public sealed class YXmlFragment(YType type)
{
    public YType Type { get; } = type;

    public override string ToString() => Type.XmlString();
}
