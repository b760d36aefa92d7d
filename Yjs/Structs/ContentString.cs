using Diaryx.Sync.Lite.Yjs.Lib0;

namespace Diaryx.Sync.Lite.Yjs.Structs;

/// <summary>
/// Text; its length is in UTF-16 code units as in JavaScript.
/// <para>
/// Typing at the end of a line merges each keystroke's item into the one before it. Merged text goes
/// into a buffer that grows by doubling, not into a new string each time: a new string copied the
/// whole run for every keystroke, so a paragraph typed in one go cost time and garbage quadratic in
/// its length (yjs's JavaScript strings concatenate as ropes and do not pay that).
/// </para>
/// </summary>
public sealed class ContentString : IContent
{
    public const byte RefNumber = 4;

    /// <summary>The text as decoded or split off; null once a merge has put it in <see cref="_buffer"/> (exactly one of the two is set).</summary>
    private string? _text;
    /// <summary>After a merge: the text is its first <see cref="_length"/> characters.</summary>
    private char[]? _buffer;
    private int _length;

    public ContentString(string text)
    {
        _text = text;
        _length = text.Length;
    }

    public ReadOnlySpan<char> Chars => _text != null ? _text : _buffer.AsSpan(0, _length);
    public string Text => _text ?? new string(Chars);
    public int Length => _length;
    public bool Countable => true;
    public byte Ref => RefNumber;

    public IEnumerable<AnyValue> JsonValues() => Text.Select(c => (AnyValue)c.ToString());

    public IContent Splice(int offset)
    {
        var chars = Chars;
        // A split inside a surrogate pair would leave two invalid halves; yjs replaces both (yjs #248).
        var inPair = char.IsHighSurrogate(chars[offset - 1]);
        var right = new ContentString(inPair ? string.Concat("\uFFFD", chars[(offset + 1)..]) : new string(chars[offset..]));
        if (_text != null) _text = inPair ? string.Concat(_text.AsSpan(0, offset - 1), "\uFFFD") : _text[..offset];
        else if (inPair) _buffer![offset - 1] = '\uFFFD';
        _length = offset;
        return right;
    }

    public bool TryMergeWith(IContent right)
    {
        var added = ((ContentString)right).Chars;
        if (_buffer == null || _length + added.Length > _buffer.Length)
        {
            var grown = new char[Math.Max(_length + added.Length, 2 * _length)];
            Chars.CopyTo(grown);
            _buffer = grown;
            _text = null;
        }
        added.CopyTo(_buffer.AsSpan(_length));
        _length += added.Length;
        return true;
    }

    public void Write(Lib0Writer writer, int offset) => writer.WriteVarString(Chars[offset..]);
}
