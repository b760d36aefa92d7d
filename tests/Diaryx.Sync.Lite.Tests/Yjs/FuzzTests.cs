using Diaryx.Sync.Lite.Yjs;
using Diaryx.Sync.Lite.Yjs.Types;
using Diaryx.Sync.Lite.Yjs.Utils;

namespace Diaryx.Sync.Lite.Tests.Yjs;

/// <summary>
/// Mutated updates (truncations, flipped bytes, inserted huge numbers, spliced garbage) must either
/// be rejected with <see cref="YjsDecodeException"/> and leave the document exactly as it was, or be
/// applied leaving a document whose state loads again and equals what yjs makes of the same input.
/// </summary>
public sealed class FuzzTests
{
    [Fact]
    public async Task Mutated_updates_never_crash_or_corrupt_a_document()
    {
        var random = new Random(20261125);
        var (baseState, samples) = BuildSamples();
        var accepted = new List<(byte[] Mutated, byte[] Result)>();
        var rejected = 0;
        for (var i = 0; i < 20000; i++)
        {
            var sample = samples[random.Next(samples.Count)];
            var mutated = Mutate(random, sample);
            var doc = new YDoc(clientId: 999983);
            doc.ApplyUpdate(baseState);
            var before = doc.EncodeStateAsUpdate();
            try
            {
                doc.ApplyUpdate(mutated);
            }
            catch (YjsDecodeException)
            {
                rejected++;
                SessionReplayTests.AssertBytes(before, doc.EncodeStateAsUpdate(), $"document after rejecting mutation {i} ({Convert.ToHexString(mutated)})");
                continue;
            }
            var after = doc.EncodeStateAsUpdate();
            // The state must load again. (Its content may differ: an update can contradict itself,
            // e.g. a right origin left of its origin, and then the order of splits decides, in yjs too.)
            new YDoc(clientId: 999983).ApplyUpdate(after);
            // yjs stores pending deletes in update v2, whose delta-coded clocks garble unsorted
            // ranges; no real writer sends those, so such inputs are not compared with yjs.
            if (HasSortedDeleteSet(mutated)) accepted.Add((mutated, after));
        }
        Assert.True(rejected > 100 && accepted.Count > 100, $"the fuzzer should hit both outcomes (rejected {rejected}, accepted {accepted.Count})");

        // What we accept, yjs accepts with the same result.
        var yjs = await YjsOracle.ApplyManyAsync(accepted.Select(a => ((IEnumerable<byte[]>)[baseState, a.Mutated], true)));
        for (var i = 0; i < accepted.Count; i++)
        {
            Assert.True(yjs[i].Error == null, $"yjs rejected {Convert.ToHexString(accepted[i].Mutated)}: {yjs[i].Error}");
            SessionReplayTests.AssertBytes(yjs[i].State, accepted[i].Result, $"state after {Convert.ToHexString(accepted[i].Mutated)}");
        }
    }

    private static bool HasSortedDeleteSet(byte[] update) =>
        UpdateDecoding.Read(update).DeleteSet.Clients.Values.All(ranges => ranges.Zip(ranges.Skip(1)).All(p => p.First.End <= p.Second.Clock));

    private static (byte[] BaseState, List<byte[]> Samples) BuildSamples()
    {
        var peers = new Peers(true, 1, 4294967295);
        var text = peers[0].GetText("t");
        text.Insert(0, "hello wörld 😀");
        peers[0].GetMap("m").Set("k", "v");
        var nested = new YArray(peers[0].GetMap("m").SetType("list", TypeKind.Array));
        nested.Insert(0, 1, 2.5, "three", AnyTrue());
        var baseState = peers[0].EncodeStateAsUpdate();
        peers.Sync(0, 1);
        peers[1].GetText("t").Insert(3, "XY");
        peers[1].GetText("t").Delete(0, 2);
        peers[1].GetMap("m").Set("k", 42);
        new YText(peers[1].GetMap("m").SetType("note", TypeKind.Text)).Insert(0, "note");
        new YMap(peers[1].GetXmlFragment("x").Type).GetType("none");
        return (baseState, [.. peers.Logs[1], peers[1].EncodeStateAsUpdate(), peers[1].EncodeStateAsUpdate(peers[0].EncodeStateVector())]);
    }

    private static Diaryx.Sync.Lite.Yjs.Lib0.AnyValue AnyTrue() => true;

    private static byte[] Mutate(Random random, byte[] sample)
    {
        var bytes = sample.ToList();
        switch (random.Next(5))
        {
            case 0: // truncate
                return [.. bytes.Take(random.Next(bytes.Count))];
            case 1: // flip a few bytes
                for (var n = random.Next(1, 4); n > 0; n--) bytes[random.Next(bytes.Count)] = (byte)random.Next(256);
                return [.. bytes];
            case 2: // insert a huge or over-long varuint
                byte[][] numbers = [[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f], [0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01], [0xff, 0xff, 0xff, 0xff, 0x0f], [0x80, 0x00]];
                bytes.InsertRange(random.Next(bytes.Count + 1), numbers[random.Next(numbers.Length)]);
                return [.. bytes];
            case 3: // drop a byte range
                var start = random.Next(bytes.Count);
                bytes.RemoveRange(start, random.Next(1, Math.Min(8, bytes.Count - start) + 1));
                return [.. bytes];
            default: // splice in random garbage
                var garbage = new byte[random.Next(1, 6)];
                random.NextBytes(garbage);
                bytes.InsertRange(random.Next(bytes.Count + 1), garbage);
                return [.. bytes];
        }
    }
}
