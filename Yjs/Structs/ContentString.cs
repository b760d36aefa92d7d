using Diaryx.Sync.Lite.Yjs.Lib0;

namespace Diaryx.Sync.Lite.Yjs.Structs;

/// <summary>Text; its length is in UTF-16 code units as in JavaScript.</summary>
public sealed class ContentString(string text) : IContent
{
    public const byte RefNumber = 4;

    public string Text { get; private set; } = text;
    public int Length => Text.Length;
    public bool Countable => true;
    public byte Ref => RefNumber;

    public IEnumerable<AnyValue> JsonValues() => Text.Select(c => (AnyValue)c.ToString());

    public IContent Splice(int offset)
    {
        var right = new ContentString(Text[offset..]);
        Text = Text[..offset];
        // A split inside a surrogate pair would leave two invalid halves; yjs replaces both (yjs #248).
        if (char.IsHighSurrogate(Text[offset - 1]))
        {
            Text = Text[..(offset - 1)] + '\uFFFD';
            right.Text = '\uFFFD' + right.Text[1..];
        }
        return right;
    }

    public bool TryMergeWith(IContent right)
    {
        Text += ((ContentString)right).Text;
        return true;
    }

    public void Write(Lib0Writer writer, int offset) => writer.WriteVarString(offset == 0 ? Text : Text[offset..]);
}
