using System.Buffers.Binary;
using System.Text;

namespace Diaryx.Sync.Lite.Yjs.Lib0;

/// <summary>A bounds-checked reader for lib0 primitives. Every error is a <see cref="YjsDecodeException"/>.</summary>
public sealed class Lib0Reader
{
    /// <summary>2^53 - 1: lib0 numbers are JavaScript numbers.</summary>
    public const long MaxSafeInteger = 9007199254740991;

    private readonly byte[] _buffer;
    private readonly int _end;
    private int _position;

    public Lib0Reader(byte[] buffer) : this(buffer, 0, buffer.Length) { }

    public Lib0Reader(byte[] buffer, int offset, int count)
    {
        _buffer = buffer;
        _position = offset;
        _end = offset + count;
    }

    public int Position => _position;

    public int Remaining => _end - _position;

    public bool HasMore => _position < _end;

    public byte ReadUInt8()
    {
        if (_position >= _end) throw new YjsDecodeException("Unexpected end of input");
        return _buffer[_position++];
    }

    public ReadOnlySpan<byte> ReadBytes(int count)
    {
        if (count < 0 || count > Remaining) throw new YjsDecodeException("Unexpected end of input");
        var span = _buffer.AsSpan(_position, count);
        _position += count;
        return span;
    }

    /// <summary>Reads a varuint up to 2^53 - 1; over-long encodings are accepted as lib0 does.</summary>
    public long ReadVarUInt()
    {
        ulong value = 0;
        var shift = 0;
        while (true)
        {
            var b = ReadUInt8();
            if (shift < 63) value |= (ulong)(b & 0x7F) << shift;
            else if ((b & 0x7F) != 0) throw new YjsDecodeException("Integer out of range");
            if (value > MaxSafeInteger) throw new YjsDecodeException("Integer out of range");
            if (b < 0x80) return (long)value;
            shift += 7;
            if (shift > 70) throw new YjsDecodeException("Integer out of range");
        }
    }

    /// <summary>Reads a varuint that must fit a non-negative <see cref="int"/> (lengths and counts).</summary>
    public int ReadVarLength()
    {
        var value = ReadVarUInt();
        if (value > int.MaxValue) throw new YjsDecodeException("Length out of range");
        return (int)value;
    }

    /// <summary>Reads a lib0 varint as magnitude and sign (so that -0 survives).</summary>
    public (ulong Magnitude, bool Negative) ReadVarIntParts()
    {
        var first = ReadUInt8();
        ulong value = (ulong)(first & 0x3F);
        var negative = (first & 0x40) != 0;
        if ((first & 0x80) == 0) return (value, negative);
        var shift = 6;
        while (true)
        {
            var b = ReadUInt8();
            if (shift < 63) value |= (ulong)(b & 0x7F) << shift;
            else if ((b & 0x7F) != 0) throw new YjsDecodeException("Integer out of range");
            if (value > MaxSafeInteger) throw new YjsDecodeException("Integer out of range");
            if (b < 0x80) return (value, negative);
            shift += 7;
            if (shift > 70) throw new YjsDecodeException("Integer out of range");
        }
    }

    public long ReadVarInt()
    {
        var (magnitude, negative) = ReadVarIntParts();
        return negative ? -(long)magnitude : (long)magnitude;
    }

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Reads a UTF-8 var string. Like lib0 (a fatal TextDecoder), invalid UTF-8 is an error; a BOM is kept.</summary>
    public string ReadVarString()
    {
        var length = ReadVarLength();
        var bytes = ReadBytes(length);
        try
        {
            return StrictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            throw new YjsDecodeException("Invalid UTF-8 in string");
        }
    }

    public byte[] ReadVarBytes() => ReadBytes(ReadVarLength()).ToArray();

    public float ReadFloat32() => BinaryPrimitives.ReadSingleBigEndian(ReadBytes(4));

    public double ReadFloat64() => BinaryPrimitives.ReadDoubleBigEndian(ReadBytes(8));

    public long ReadBigInt64() => BinaryPrimitives.ReadInt64BigEndian(ReadBytes(8));
}
