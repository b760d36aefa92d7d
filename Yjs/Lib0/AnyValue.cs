using System.Globalization;

namespace Diaryx.Sync.Lite.Yjs.Lib0;

/// <summary>
/// A value as lib0's <c>writeAny</c>/<c>readAny</c> and <c>JSON.parse</c> see it: JavaScript's
/// data model, with numbers as doubles (so -0 and NaN survive), a separate 64-bit BigInt, and
/// objects that keep JavaScript's key order (integer-like keys first, ascending).
/// </summary>
public abstract class AnyValue
{
    public static readonly AnyValue Undefined = new AnyUndefined();
    public static readonly AnyValue Null = new AnyNull();
    public static readonly AnyValue True = new AnyBool(true);
    public static readonly AnyValue False = new AnyBool(false);

    public static AnyValue Bool(bool value) => value ? True : False;
    public static AnyValue Number(double value) => new AnyNumber(value);
    public static AnyValue String(string value) => new AnyString(value);
    public static AnyValue BigInt(long value) => new AnyBigInt(value);
    public static AnyValue Bytes(byte[] value) => new AnyBytes(value);
    public static AnyValue Array(IEnumerable<AnyValue> items) => new AnyArray([.. items]);
    public static AnyValue Object(IEnumerable<KeyValuePair<string, AnyValue>> entries) => AnyObject.FromEntries(entries);

    public static implicit operator AnyValue(string value) => new AnyString(value);
    public static implicit operator AnyValue(double value) => new AnyNumber(value);
    public static implicit operator AnyValue(long value) => new AnyNumber(value);
    public static implicit operator AnyValue(int value) => new AnyNumber(value);
    public static implicit operator AnyValue(bool value) => Bool(value);

    /// <summary>JavaScript's <c>JSON.stringify</c> of this value (null when the value is undefined).</summary>
    public override string ToString() => JsJson.Stringify(this) ?? "undefined";

    /// <summary>JavaScript truthiness.</summary>
    public bool IsTruthy => this switch
    {
        AnyUndefined or AnyNull => false,
        AnyBool b => b.Value,
        AnyNumber n => !(n.Value == 0 || double.IsNaN(n.Value)),
        AnyBigInt i => i.Value != 0,
        AnyString s => s.Value.Length > 0,
        _ => true,
    };

    /// <summary>JavaScript's <c>===</c>: primitives by value, objects, arrays and bytes by identity.</summary>
    public static bool StrictEquals(AnyValue? a, AnyValue? b) => (a, b) switch
    {
        (null, null) => true,
        (null, _) or (_, null) => false,
        (AnyUndefined, AnyUndefined) or (AnyNull, AnyNull) => true,
        (AnyBool x, AnyBool y) => x.Value == y.Value,
        (AnyNumber x, AnyNumber y) => x.Value == y.Value,
        (AnyBigInt x, AnyBigInt y) => x.Value == y.Value,
        (AnyString x, AnyString y) => x.Value == y.Value,
        _ => ReferenceEquals(a, b),
    };

    /// <summary>Structural equality (lib0 <c>equalityDeep</c>); NaN equals NaN here.</summary>
    public static bool DeepEquals(AnyValue? a, AnyValue? b) => (a, b) switch
    {
        (null, null) => true,
        (null, _) or (_, null) => false,
        (AnyNumber x, AnyNumber y) => x.Value.Equals(y.Value),
        (AnyBytes x, AnyBytes y) => x.Value.AsSpan().SequenceEqual(y.Value),
        (AnyArray x, AnyArray y) => x.Items.Count == y.Items.Count && x.Items.Zip(y.Items).All(p => DeepEquals(p.First, p.Second)),
        (AnyObject x, AnyObject y) => x.Entries.Count == y.Entries.Count
            && x.Entries.All(e => y.TryGet(e.Key, out var other) && DeepEquals(e.Value, other)),
        _ => StrictEquals(a, b),
    };
}

public sealed class AnyUndefined : AnyValue;

public sealed class AnyNull : AnyValue;

public sealed class AnyBool(bool value) : AnyValue
{
    public bool Value { get; } = value;
}

public sealed class AnyNumber(double value) : AnyValue
{
    public double Value { get; } = value;
}

public sealed class AnyBigInt(long value) : AnyValue
{
    public long Value { get; } = value;
}

public sealed class AnyString(string value) : AnyValue
{
    public string Value { get; } = value;
}

public sealed class AnyBytes(byte[] value) : AnyValue
{
    public byte[] Value { get; } = value;
}

public sealed class AnyArray(List<AnyValue> items) : AnyValue
{
    public IReadOnlyList<AnyValue> Items { get; } = items;
}

/// <summary>A JavaScript object: keys in JS enumeration order, no duplicates.</summary>
public sealed class AnyObject : AnyValue
{
    private AnyObject(List<KeyValuePair<string, AnyValue>> entries) => Entries = entries;

    public IReadOnlyList<KeyValuePair<string, AnyValue>> Entries { get; }

    public bool TryGet(string key, out AnyValue value)
    {
        foreach (var entry in Entries)
        {
            if (entry.Key == key)
            {
                value = entry.Value;
                return true;
            }
        }
        value = Undefined;
        return false;
    }

    public AnyValue this[string key] => TryGet(key, out var value) ? value : Undefined;

    /// <summary>
    /// Builds an object the way assigning keys in order to a JS object does: a repeated key keeps
    /// its first position and takes its last value; integer-like keys enumerate first, ascending.
    /// </summary>
    public static AnyObject FromEntries(IEnumerable<KeyValuePair<string, AnyValue>> entries)
    {
        var ordered = new List<KeyValuePair<string, AnyValue>>();
        Dictionary<string, int>? index = null;
        var hasIndexKey = false;
        foreach (var (key, value) in entries)
        {
            index ??= new Dictionary<string, int>(StringComparer.Ordinal);
            if (index.TryGetValue(key, out var position))
            {
                ordered[position] = new(key, value);
                continue;
            }
            index[key] = ordered.Count;
            ordered.Add(new(key, value));
            hasIndexKey |= IsArrayIndex(key, out _);
        }
        if (hasIndexKey)
        {
            var indexKeys = ordered.Where(e => IsArrayIndex(e.Key, out _)).OrderBy(e => { IsArrayIndex(e.Key, out var n); return n; });
            ordered = [.. indexKeys, .. ordered.Where(e => !IsArrayIndex(e.Key, out _))];
        }
        return new AnyObject(ordered);
    }

    /// <summary>A canonical array index ("0", "17", never "01"), which JS enumerates before other keys.</summary>
    private static bool IsArrayIndex(string key, out uint value)
    {
        value = 0;
        if (key.Length == 0 || key.Length > 10 || (key.Length > 1 && key[0] == '0')) return false;
        foreach (var c in key)
        {
            if (c < '0' || c > '9') return false;
        }
        return uint.TryParse(key, NumberStyles.None, CultureInfo.InvariantCulture, out value) && value != uint.MaxValue;
    }
}
