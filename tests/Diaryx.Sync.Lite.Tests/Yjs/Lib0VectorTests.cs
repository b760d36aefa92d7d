using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using Diaryx.Sync.Lite.Tests.Infrastructure;
using Diaryx.Sync.Lite.Yjs;
using Diaryx.Sync.Lite.Yjs.Lib0;

namespace Diaryx.Sync.Lite.Tests.Yjs;

/// <summary>
/// lib0 0.2.120 vectors from tests/node/oracle/any-vectors.mjs (writeAny/readAny, varuint, varint,
/// hand-written foreign inputs) and utf8-vectors.mjs (how lib0's fatal TextDecoder reads strings):
/// our decoder must give the same values and errors, our encoder the same bytes.
/// </summary>
public sealed class Lib0VectorTests
{
    private const int Count = 300;

    public static IEnumerable<object[]> Seeds() => Enumerable.Range(1, 5).Select(s => new object[] { s });

    [Theory]
    [MemberData(nameof(Seeds))]
    public async Task Any_values_decode_to_the_same_json_and_re_encode_to_the_same_bytes(int seed)
    {
        var vectors = await AnyVectorsAsync(seed);
        var index = 0;
        foreach (var vector in vectors.GetProperty("any").EnumerateArray())
        {
            var bytes = Bytes(vector, "bytes");
            var where = $"seed {seed}, any vector {index++} ({Convert.ToHexString(bytes)})";
            var value = ReadWhole(bytes, where);
            SessionReplayTests.AssertBytes(bytes, Write(value), where + ": re-encoded");
            Assert.True(vector.GetProperty("json").GetString() == CanonicalJson.Of(value),
                $"{where}: JSON\nlib0: {vector.GetProperty("json").GetString()}\nours: {CanonicalJson.Of(value)}");
        }
    }

    [Fact]
    public async Task Foreign_any_inputs_are_read_and_re_encoded_like_lib0()
    {
        var checkedCount = 0;
        foreach (var vector in (await AnyVectorsAsync(1)).GetProperty("foreign").EnumerateArray())
        {
            if (vector.GetProperty("name").GetString()!.StartsWith("quirk:", StringComparison.Ordinal)) continue;
            AssertForeign(vector);
            checkedCount++;
        }
        Assert.True(checkedCount >= 20, $"only {checkedCount} foreign vectors");
    }

    /// <summary>The JS oddities any-vectors.mjs pins; each has its own test below.</summary>
    private static readonly string[] KnownQuirks =
    [
        "quirk: key __proto__ with a number value is dropped",
        "quirk: key __proto__ with an object value is dropped",
    ];

    [Fact]
    public async Task Every_quirk_vector_has_a_test()
    {
        var quirks = (await AnyVectorsAsync(1)).GetProperty("foreign").EnumerateArray()
            .Select(v => v.GetProperty("name").GetString()!)
            .Where(n => n.StartsWith("quirk:", StringComparison.Ordinal));
        Assert.Equal(KnownQuirks.Order(StringComparer.Ordinal), quirks.Order(StringComparer.Ordinal));
    }

    // A JS object read by lib0 (`obj[key] = value`) treats the key "__proto__" as the prototype
    // setter: a primitive is ignored, an object or null becomes the prototype; either way the key is
    // never an own enumerable property, so yjs drops it from toJSON() and from every re-encoding
    // (encodeStateAsUpdate of content that held it). yjs itself can never write such a key, so this
    // matters for byte-identical states only when a non-JS writer (Yrs, a C# client) sends one; yjs
    // clients drop the key when they read it either way. Our Any reader drops it too; JSON.parse
    // (ContentJSON) keeps "__proto__" as an own property.

    [Fact]
    public Task Quirk_proto_key_with_a_number_value_is_dropped() => AssertQuirkAsync(KnownQuirks[0]);

    [Fact]
    public Task Quirk_proto_key_with_an_object_value_is_dropped() => AssertQuirkAsync(KnownQuirks[1]);

    private static async Task AssertQuirkAsync(string name)
    {
        var vector = (await AnyVectorsAsync(1)).GetProperty("foreign").EnumerateArray().Single(v => v.GetProperty("name").GetString() == name);
        AssertForeign(vector);
    }

    private static void AssertForeign(JsonElement vector)
    {
        var name = vector.GetProperty("name").GetString()!;
        var bytes = Bytes(vector, "bytes");
        var where = $"foreign vector '{name}' ({Convert.ToHexString(bytes)})";
        if (vector.GetProperty("error").ValueKind != JsonValueKind.Null)
        {
            var error = Assert.ThrowsAny<Exception>(() => AnyEncoding.Read(new Lib0Reader(bytes)));
            Assert.True(error is YjsDecodeException,
                $"{where}: lib0 throws '{vector.GetProperty("error").GetString()}', ours threw {error.GetType().Name}: {error.Message}");
            return;
        }
        var value = ReadWhole(bytes, where);
        SessionReplayTests.AssertBytes(Bytes(vector, "expected"), Write(value), where + ": re-encoded");
        Assert.True(vector.GetProperty("json").GetString() == CanonicalJson.Of(value),
            $"{where}: JSON\nlib0: {vector.GetProperty("json").GetString()}\nours: {CanonicalJson.Of(value)}");
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public async Task Varuints_decode_and_encode_like_lib0(int seed)
    {
        foreach (var vector in (await AnyVectorsAsync(seed)).GetProperty("varuint").EnumerateArray())
        {
            var text = vector.GetProperty("value").GetString()!;
            var value = long.Parse(text, CultureInfo.InvariantCulture);
            var bytes = Bytes(vector, "bytes");
            var where = $"seed {seed}, varuint {text} ({Convert.ToHexString(bytes)})";
            var reader = new Lib0Reader(bytes);
            Assert.True(value == reader.ReadVarUInt(), where + ": decoded value");
            Assert.False(reader.HasMore, where + ": bytes left over");
            var writer = new Lib0Writer();
            writer.WriteVarUInt((ulong)value);
            SessionReplayTests.AssertBytes(bytes, writer.ToArray(), where + ": encoded");
        }
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public async Task Varints_decode_and_encode_like_lib0_including_negative_zero(int seed)
    {
        var sawNegativeZero = false;
        foreach (var vector in (await AnyVectorsAsync(seed)).GetProperty("varint").EnumerateArray())
        {
            var text = vector.GetProperty("value").GetString()!;
            var negative = text.StartsWith('-');
            var magnitude = ulong.Parse(negative ? text[1..] : text, CultureInfo.InvariantCulture);
            sawNegativeZero |= negative && magnitude == 0;
            var bytes = Bytes(vector, "bytes");
            var where = $"seed {seed}, varint {text} ({Convert.ToHexString(bytes)})";
            var reader = new Lib0Reader(bytes);
            Assert.True((magnitude, negative) == reader.ReadVarIntParts(), where + ": decoded value");
            Assert.False(reader.HasMore, where + ": bytes left over");
            var writer = new Lib0Writer();
            writer.WriteVarInt(magnitude, negative);
            SessionReplayTests.AssertBytes(bytes, writer.ToArray(), where + ": encoded");
        }
        Assert.True(sawNegativeZero, "no -0 vector");
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public async Task Strings_decode_like_lib0_strict_utf8_keeping_a_bom(int seed)
    {
        var vectors = JsonDocument.Parse(await NodeScript.RunOracleAsync("utf8-vectors.mjs", ["--seed", seed.ToString(), "--count", Count.ToString()])).RootElement;
        var index = 0;
        foreach (var vector in vectors.EnumerateArray())
        {
            var bytes = Bytes(vector, "bytes");
            var where = $"seed {seed}, utf8 vector {index++} ({Convert.ToHexString(bytes)})";
            var framed = new Lib0Writer();
            framed.WriteVarBytes(bytes); // varuint(len) ‖ bytes, as a var string is framed
            var reader = new Lib0Reader(framed.ToArray());
            var lib0 = vector.GetProperty("lib0");
            if (lib0.ValueKind == JsonValueKind.Null)
            {
                var error = Assert.ThrowsAny<Exception>(() => reader.ReadVarString());
                Assert.True(error is YjsDecodeException, $"{where}: lib0 throws, ours threw {error.GetType().Name}: {error.Message}");
                continue;
            }
            var expected = lib0.EnumerateArray().Select(u => u.GetInt32()).ToArray();
            var actual = reader.ReadVarString().Select(c => (int)c).ToArray();
            Assert.True(expected.SequenceEqual(actual),
                $"{where}: UTF-16 code units\nlib0: {string.Join(' ', expected.Select(u => u.ToString("x4")))}\nours: {string.Join(' ', actual.Select(u => u.ToString("x4")))}");
            Assert.False(reader.HasMore, where + ": bytes left over");
        }
    }

    private static readonly ConcurrentDictionary<int, Lazy<Task<JsonElement>>> AnyVectors = new();

    private static Task<JsonElement> AnyVectorsAsync(int seed) => AnyVectors.GetOrAdd(seed, s => new(async () =>
        JsonDocument.Parse(await NodeScript.RunOracleAsync("any-vectors.mjs", ["--seed", s.ToString(), "--count", Count.ToString()])).RootElement)).Value;

    private static byte[] Bytes(JsonElement element, string property) => Convert.FromBase64String(element.GetProperty(property).GetString()!);

    private static AnyValue ReadWhole(byte[] bytes, string where)
    {
        var reader = new Lib0Reader(bytes);
        AnyValue value;
        try
        {
            value = AnyEncoding.Read(reader);
        }
        catch (Exception e)
        {
            throw new Xunit.Sdk.XunitException($"{where}: lib0 reads it, ours threw {e}");
        }
        Assert.False(reader.HasMore, where + ": bytes left over");
        return value;
    }

    private static byte[] Write(AnyValue value)
    {
        var writer = new Lib0Writer();
        AnyEncoding.Write(writer, value);
        return writer.ToArray();
    }
}
