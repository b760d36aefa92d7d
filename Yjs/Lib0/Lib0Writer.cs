using System.Buffers.Binary;
using System.Text;

namespace Diaryx.Sync.Lite.Yjs.Lib0;

/// <summary>A growable byte buffer with lib0's encoding primitives.</summary>
public sealed class Lib0Writer(int initialCapacity = 64)
{
    private byte[] _buffer = new byte[Math.Max(initialCapacity, 16)];
    private int _length;

    public int Length => _length;

    public byte[] ToArray() => _buffer.AsSpan(0, _length).ToArray();

    public ReadOnlySpan<byte> WrittenSpan => _buffer.AsSpan(0, _length);

    public void Clear() => _length = 0;

    private Span<byte> Reserve(int count)
    {
        if (_length + count > _buffer.Length)
        {
            Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, _length + count));
        }
        var span = _buffer.AsSpan(_length, count);
        _length += count;
        return span;
    }

    public void WriteUInt8(byte value) => Reserve(1)[0] = value;

    public void WriteBytes(ReadOnlySpan<byte> bytes) => bytes.CopyTo(Reserve(bytes.Length));

    public void WriteVarUInt(ulong value)
    {
        while (value > 0x7F)
        {
            WriteUInt8((byte)(0x80 | (value & 0x7F)));
            value >>= 7;
        }
        WriteUInt8((byte)value);
    }

    public void WriteVarUInt(long value)
    {
        if (value < 0) throw new ArgumentOutOfRangeException(nameof(value), "varuint cannot be negative");
        WriteVarUInt((ulong)value);
    }

    /// <summary>lib0 varint: sign bit and 6 magnitude bits in the first byte, not zig-zag.</summary>
    public void WriteVarInt(long value) => WriteVarInt(value < 0 ? (ulong)-value : (ulong)value, value < 0);

    /// <summary>Writes a varint from magnitude and sign, so that -0 (0x40) can be written.</summary>
    public void WriteVarInt(ulong magnitude, bool negative)
    {
        WriteUInt8((byte)((magnitude > 0x3F ? 0x80u : 0u) | (negative ? 0x40u : 0u) | (uint)(magnitude & 0x3F)));
        magnitude >>= 6;
        while (magnitude > 0)
        {
            WriteUInt8((byte)((magnitude > 0x7F ? 0x80u : 0u) | (uint)(magnitude & 0x7F)));
            magnitude >>= 7;
        }
    }

    /// <summary>UTF-8 byte count then bytes; lone surrogates become U+FFFD like TextEncoder.</summary>
    public void WriteVarString(string value) => WriteVarString(value.AsSpan());

    /// <inheritdoc cref="WriteVarString(string)"/>
    public void WriteVarString(ReadOnlySpan<char> value)
    {
        if (value.Length < 128 && Ascii.IsValid(value))
        {
            WriteUInt8((byte)value.Length);
            Ascii.FromUtf16(value, Reserve(value.Length), out _);
            return;
        }
        var byteCount = Encoding.UTF8.GetByteCount(value);
        WriteVarUInt((ulong)byteCount);
        Encoding.UTF8.GetBytes(value, Reserve(byteCount));
    }

    public void WriteVarBytes(ReadOnlySpan<byte> bytes)
    {
        WriteVarUInt((ulong)bytes.Length);
        WriteBytes(bytes);
    }

    public void WriteFloat32(float value) => BinaryPrimitives.WriteSingleBigEndian(Reserve(4), value);

    public void WriteFloat64(double value) => BinaryPrimitives.WriteDoubleBigEndian(Reserve(8), value);

    public void WriteBigInt64(long value) => BinaryPrimitives.WriteInt64BigEndian(Reserve(8), value);
}
