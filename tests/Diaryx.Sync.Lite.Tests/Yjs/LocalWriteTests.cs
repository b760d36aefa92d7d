using Diaryx.Sync.Lite.Yjs;
using Diaryx.Sync.Lite.Yjs.Lib0;
using Diaryx.Sync.Lite.Yjs.Structs;
using Diaryx.Sync.Lite.Yjs.Types;

namespace Diaryx.Sync.Lite.Tests.Yjs;

/// <summary>
/// The other direction: our documents write (map, array, text and nested types, concurrently,
/// syncing now and then), and real yjs applies the updates they produced. yjs must end with the
/// same state bytes and JSON as a document of ours that received the same updates in the same
/// (shuffled, duplicated) order, and every writer must converge.
/// </summary>
public sealed class LocalWriteTests
{
    private static readonly string[] Pieces = ["a", "xyz", "Hello ", "é", "😀", "\n", "ünï", " "];
    private static readonly string[] Keys = ["a", "b", "k", "1", "10", "é"];

    public static IEnumerable<object[]> Seeds() => Enumerable.Range(1, 60).Select(s => new object[] { s });

    [Theory]
    [MemberData(nameof(Seeds))]
    public async Task Updates_written_by_our_documents_apply_identically_in_yjs(int seed)
    {
        var random = new Random(seed);
        var gc = seed % 2 == 0;
        var peers = new Peers(gc, 1, 300, 4294967295);
        for (var step = 0; step < 40; step++)
        {
            var doc = peers[random.Next(peers.Docs.Count)];
            doc.Transact(_ =>
            {
                for (var ops = random.Next(1, 3); ops > 0; ops--) RandomEdit(random, doc);
            });
            if (random.Next(4) == 0) peers.Sync(random.Next(3), random.Next(3));
        }

        var updates = peers.AllUpdates.ToList();
        var delivered = updates.OrderBy(_ => random.Next()).Concat(updates.Where(_ => random.Next(5) == 0)).ToList();
        var server = await YjsOracle.AssertSameAsYjsAsync(delivered, gc);

        peers.SyncAll();
        Assert.All(peers.Docs, d => Assert.Equal(CanonicalJson.OfDoc(server), CanonicalJson.OfDoc(d)));
    }

    private static void RandomEdit(Random random, YDoc doc)
    {
        var types = LiveTypes(doc).ToList();
        var type = types[random.Next(types.Count)];
        switch (type.Kind)
        {
            case TypeKind.Text:
                {
                    var text = new YText(type);
                    if (text.Length > 0 && random.Next(3) == 0)
                    {
                        var index = random.Next(text.Length);
                        text.Delete(index, random.Next(1, Math.Min(4, text.Length - index) + 1));
                    }
                    else
                    {
                        text.Insert(random.Next(text.Length + 1), Pieces[random.Next(Pieces.Length)]);
                    }
                    break;
                }
            case TypeKind.Map:
                {
                    var map = new YMap(type);
                    var key = Keys[random.Next(Keys.Length)];
                    switch (random.Next(6))
                    {
                        case 0: map.Delete(key); break;
                        case 1: map.SetType(key, (TypeKind)random.Next(3)); break;
                        default: map.Set(key, RandomValue(random, 0)); break;
                    }
                    break;
                }
            case TypeKind.Array:
                {
                    var array = new YArray(type);
                    var choice = random.Next(6);
                    if (array.Length > 0 && choice == 0)
                    {
                        var index = random.Next(array.Length);
                        array.Delete(index, random.Next(1, Math.Min(3, array.Length - index) + 1));
                    }
                    else if (choice == 1)
                    {
                        array.InsertType(random.Next(array.Length + 1), (TypeKind)random.Next(3));
                    }
                    else
                    {
                        array.Insert(random.Next(array.Length + 1), [.. Enumerable.Range(0, random.Next(1, 4)).Select(_ => RandomValue(random, 0))]);
                    }
                    break;
                }
        }
    }

    /// <summary>The roots m, a, t and every live nested type below them.</summary>
    private static IEnumerable<YType> LiveTypes(YDoc doc)
    {
        var pending = new Stack<YType>([doc.GetMap("m").Type, doc.GetArray("a").Type, doc.GetText("t").Type]);
        while (pending.Count > 0)
        {
            var type = pending.Pop();
            yield return type;
            foreach (var item in type.LiveItems().Concat(type.LiveEntries().Select(e => e.Value)))
            {
                if (item.Content is ContentType nested) pending.Push(nested.Type);
            }
        }
    }

    private static AnyValue RandomValue(Random random, int depth) => random.Next(depth > 1 ? 8 : 10) switch
    {
        0 => random.Next(-1000, 1000),
        1 => new[] { 2147483648d, -2147483648d, 4294967296d, 1099511627776d, 9007199254740991d, -0d, 1.5, 0.1, double.NaN, double.PositiveInfinity }[random.Next(10)],
        2 => Pieces[random.Next(Pieces.Length)],
        3 => random.Next(2) == 0,
        4 => AnyValue.Null,
        5 => AnyValue.BigInt(random.NextInt64()),
        6 => AnyValue.Bytes([.. Enumerable.Range(0, random.Next(4)).Select(_ => (byte)random.Next(256))]),
        7 => "é😀",
        8 => AnyValue.Array(Enumerable.Range(0, random.Next(3)).Select(_ => RandomValue(random, depth + 1))),
        _ => AnyValue.Object(Enumerable.Range(0, random.Next(3)).Select(_ => new KeyValuePair<string, AnyValue>(Keys[random.Next(Keys.Length)], RandomValue(random, depth + 1)))),
    };
}
