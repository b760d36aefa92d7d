namespace Diaryx.Sync.Lite.Yjs.Lib0;

/// <summary>lib0's <c>writeAny</c>/<c>readAny</c>, byte-identical with yjs 13.6.</summary>
public static class AnyEncoding
{
    /// <summary>Nesting deeper than this is rejected rather than risking the stack.</summary>
    public const int MaxDepth = 256;

    private const byte TagUndefined = 127;
    private const byte TagNull = 126;
    private const byte TagInteger = 125;
    private const byte TagFloat32 = 124;
    private const byte TagFloat64 = 123;
    private const byte TagBigInt = 122;
    private const byte TagFalse = 121;
    private const byte TagTrue = 120;
    private const byte TagString = 119;
    private const byte TagObject = 118;
    private const byte TagArray = 117;
    private const byte TagBytes = 116;

    public static void Write(Lib0Writer writer, AnyValue value)
    {
        switch (value)
        {
            case AnyUndefined:
                writer.WriteUInt8(TagUndefined);
                break;
            case AnyNull:
                writer.WriteUInt8(TagNull);
                break;
            case AnyBool b:
                writer.WriteUInt8(b.Value ? TagTrue : TagFalse);
                break;
            case AnyNumber n:
                WriteNumber(writer, n.Value);
                break;
            case AnyBigInt i:
                writer.WriteUInt8(TagBigInt);
                writer.WriteBigInt64(i.Value);
                break;
            case AnyString s:
                writer.WriteUInt8(TagString);
                writer.WriteVarString(s.Value);
                break;
            case AnyBytes bytes:
                writer.WriteUInt8(TagBytes);
                writer.WriteVarBytes(bytes.Value);
                break;
            case AnyArray array:
                writer.WriteUInt8(TagArray);
                writer.WriteVarUInt((ulong)array.Items.Count);
                foreach (var item in array.Items) Write(writer, item);
                break;
            case AnyObject obj:
                writer.WriteUInt8(TagObject);
                writer.WriteVarUInt((ulong)obj.Entries.Count);
                foreach (var (key, item) in obj.Entries)
                {
                    writer.WriteVarString(key);
                    Write(writer, item);
                }
                break;
            default:
                throw new ArgumentException($"Unknown value kind {value.GetType().Name}", nameof(value));
        }
    }

    /// <summary>JS rule: small integers as varint, float32-exact values as float32, else float64.</summary>
    private static void WriteNumber(Lib0Writer writer, double value)
    {
        if (Math.Floor(value) == value && Math.Abs(value) <= int.MaxValue)
        {
            writer.WriteUInt8(TagInteger);
            writer.WriteVarInt((ulong)Math.Abs(value), value < 0 || double.IsNegative(value));
        }
        else if ((double)(float)value == value)
        {
            writer.WriteUInt8(TagFloat32);
            writer.WriteFloat32((float)value);
        }
        else
        {
            writer.WriteUInt8(TagFloat64);
            // JavaScript has one NaN: whatever NaN bits were read, yjs writes the canonical 7ff8....
            writer.WriteFloat64(double.IsNaN(value) ? BitConverter.Int64BitsToDouble(0x7FF8000000000000) : value);
        }
    }

    public static AnyValue Read(Lib0Reader reader) => Read(reader, 0);

    private static AnyValue Read(Lib0Reader reader, int depth)
    {
        if (depth > MaxDepth) throw new YjsDecodeException("Any value nested too deeply");
        var tag = reader.ReadUInt8();
        switch (tag)
        {
            case TagUndefined: return AnyValue.Undefined;
            case TagNull: return AnyValue.Null;
            case TagInteger:
                {
                    var (magnitude, negative) = reader.ReadVarIntParts();
                    return new AnyNumber(negative ? -(double)magnitude : magnitude);
                }
            case TagFloat32: return new AnyNumber(reader.ReadFloat32());
            case TagFloat64: return new AnyNumber(reader.ReadFloat64());
            case TagBigInt: return new AnyBigInt(reader.ReadBigInt64());
            case TagFalse: return AnyValue.False;
            case TagTrue: return AnyValue.True;
            case TagString: return new AnyString(reader.ReadVarString());
            case TagObject:
                {
                    var count = reader.ReadVarLength();
                    // Every entry takes at least two bytes: never trust the count for allocation.
                    var entries = new List<KeyValuePair<string, AnyValue>>(Math.Min(count, reader.Remaining / 2));
                    for (var i = 0; i < count; i++)
                    {
                        var key = reader.ReadVarString();
                        var value = Read(reader, depth + 1);
                        // lib0 assigns obj[key] = value: "__proto__" sets the prototype, not a key.
                        if (key != "__proto__") entries.Add(new(key, value));
                    }
                    return AnyObject.FromEntries(entries);
                }
            case TagArray:
                {
                    var count = reader.ReadVarLength();
                    var items = new List<AnyValue>(Math.Min(count, reader.Remaining));
                    for (var i = 0; i < count; i++) items.Add(Read(reader, depth + 1));
                    return new AnyArray(items);
                }
            case TagBytes: return new AnyBytes(reader.ReadVarBytes());
            default: throw new YjsDecodeException($"Unknown Any tag {tag}");
        }
    }
}
