using Diaryx.Sync.Lite.Yjs;
using Diaryx.Sync.Lite.Yjs.Lib0;
using Diaryx.Sync.Lite.Yjs.Types;

namespace Diaryx.Sync.Lite.Tests.Yjs;

/// <summary>The tricky cases of reference/yjs-engine.md §5, each checked against real yjs.</summary>
public sealed class RegressionTests
{
    private static byte[] Hex(string hex) => Convert.FromHexString(hex.Replace(" ", ""));

    [Fact]
    public void Worked_example_1_produces_the_measured_bytes()
    {
        var peers = new Peers(true, 1);
        var doc = peers[0];
        doc.GetText("t").Insert(0, "ab");
        doc.GetMap("m").Set("k", "v");
        doc.GetText("t").Insert(1, "X");
        doc.GetText("t").Delete(0, 1);

        Assert.Equal(Hex("01 01 01 00 04 01 01 74 02 61 62 00"), peers.Logs[0][0]);
        Assert.Equal(Hex("01 01 01 03 c4 01 00 01 01 01 58 00"), peers.Logs[0][2]);
        Assert.Equal(Hex("00 01 01 01 00 01"), peers.Logs[0][3]);
        Assert.Equal(Hex("01 04 01 00 01 01 01 74 01 84 01 00 01 62 28 01 01 6d 01 6b 01 77 01 76 c4 01 00 01 01 01 58 01 01 01 00 01"), doc.EncodeStateAsUpdate());
        Assert.Equal(Hex("01 01 04"), doc.EncodeStateVector());
        Assert.Equal(Hex("01 03 01 01 84 01 00 01 62 28 01 01 6d 01 6b 01 77 01 76 c4 01 00 01 01 01 58 01 01 01 00 01"), doc.EncodeStateAsUpdate(Hex("01 01 01")));
    }

    [Theory]
    [InlineData(1, 2, "AB")]
    [InlineData(2, 1, "BA")]
    public async Task Concurrent_inserts_at_the_same_position_put_the_lower_client_left(long clientA, long clientB, string expected)
    {
        var peers = new Peers(true, clientA, clientB);
        peers[0].GetText("t").Insert(0, "A");
        peers[1].GetText("t").Insert(0, "B");
        peers.SyncAll();
        Assert.Equal(expected, peers[0].GetText("t").ToString());
        Assert.Equal(expected, peers[1].GetText("t").ToString());
        var doc = await YjsOracle.AssertSameAsYjsAsync([.. peers.AllUpdates]);
        Assert.Equal(expected, doc.GetText("t").ToString());
    }

    [Fact]
    public async Task Three_clients_inserting_at_the_same_place_interleave_by_client_id()
    {
        var peers = new Peers(true, 3, 1, 2);
        peers[0].GetText("t").Insert(0, "ab");
        peers.SyncAll();
        peers[0].GetText("t").Insert(1, "Z");
        peers[1].GetText("t").Insert(1, "X");
        peers[2].GetText("t").Insert(1, "Y");
        peers.SyncAll();
        Assert.All(peers.Docs, d => Assert.Equal("aXYZb", d.GetText("t").ToString()));
        await YjsOracle.AssertSameAsYjsAsync([.. peers.AllUpdates]);
    }

    [Fact]
    public async Task Inserting_inside_and_deleting_inside_a_merged_item_splits_and_remerges()
    {
        var peers = new Peers(true, 1, 2);
        var text = peers[0].GetText("t");
        foreach (var c in "abcdef") text.Insert(text.Length, c.ToString()); // six transactions, one merged item
        peers.SyncAll();
        peers[1].GetText("t").Insert(3, "X");   // origin inside the merged item
        peers[0].GetText("t").Delete(1, 2);     // split at both ends
        peers.SyncAll();
        Assert.Equal(peers[0].GetText("t").ToString(), peers[1].GetText("t").ToString());
        Assert.Equal("aXdef", peers[0].GetText("t").ToString());
        await YjsOracle.AssertSameAsYjsAsync([.. peers.AllUpdates]);
        await YjsOracle.AssertSameAsYjsAsync([.. peers.AllUpdates.Reverse()]);
    }

    [Fact]
    public async Task Concurrent_map_sets_are_won_by_the_higher_client_and_later_sets_win()
    {
        var peers = new Peers(true, 1, 2);
        peers[0].GetMap("m").Set("k", "from 1");
        peers[1].GetMap("m").Set("k", "from 2");
        peers.SyncAll();
        Assert.All(peers.Docs, d => Assert.Equal("from 2", ((AnyString)d.GetMap("m").Get("k")!).Value));
        peers[0].GetMap("m").Set("k", "1 saw 2");  // made after seeing the other value: wins
        peers.SyncAll();
        Assert.All(peers.Docs, d => Assert.Equal("1 saw 2", ((AnyString)d.GetMap("m").Get("k")!).Value));
        peers[0].GetMap("m").Delete("k");
        peers[1].GetMap("m").Set("k", "again");     // concurrent delete and set
        peers.SyncAll();
        Assert.Equal(CanonicalJson.OfDoc(peers[0]), CanonicalJson.OfDoc(peers[1]));
        await YjsOracle.AssertSameAsYjsAsync([.. peers.AllUpdates]);
        await YjsOracle.AssertSameAsYjsAsync([.. peers.AllUpdates.Reverse()]);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Map_overwrite_chains_collapse_as_in_yjs(bool gc)
    {
        var peers = new Peers(gc, 1);
        for (var i = 1; i <= 3; i++) peers[0].GetMap("m").Set("k", i);
        var doc = await YjsOracle.AssertSameAsYjsAsync([.. peers.AllUpdates], gc);
        SessionReplayTests.AssertBytes(peers[0].EncodeStateAsUpdate(), doc.EncodeStateAsUpdate(), "writer and receiver");
        if (gc) Assert.Equal(Hex("01 02 01 00 21 01 01 6d 01 6b 02 a8 01 01 01 7d 03 01 01 01 00 02"), peers[0].EncodeStateAsUpdate());
    }

    [Fact]
    public async Task Out_of_order_delivery_keeps_pending_structs_and_deletes_until_their_dependencies_arrive()
    {
        var peers = new Peers(true, 5, 7);
        var a = peers[0].GetText("t");
        a.Insert(0, "ab");
        a.Insert(2, "c");
        peers.Sync(0, 1);
        peers[1].GetText("t").Insert(1, "Y");  // depends on client 5
        peers[1].GetMap("m").Set("k", 1);
        a.Insert(3, "de");
        peers.Sync(0, 1);
        peers[1].GetText("t").Delete(0, 3);    // deletes structs of both clients
        a.Delete(4, 1);

        var updates = peers.AllUpdates.ToList();
        var permutations = new[]
        {
            updates.AsEnumerable().Reverse().ToList(),                         // everything arrives backwards
            updates.Skip(1).Concat(updates.Take(1)).ToList(),                  // the first struct comes last
            updates.Where((_, i) => i % 2 == 1).Concat(updates.Where((_, i) => i % 2 == 0)).ToList(),
            updates.Concat(updates).ToList(),                                  // everything twice
        };
        foreach (var order in permutations)
        {
            var ours = new YDoc(999983);
            var results = new List<(IEnumerable<byte[]>, bool)>();
            for (var i = 1; i <= order.Count; i++) results.Add((order.Take(i), true));
            var yjs = await YjsOracle.ApplyManyAsync(results);
            for (var i = 0; i < order.Count; i++)
            {
                ours.ApplyUpdate(order[i]);
                YjsOracle.AssertSame(yjs[i], ours, $"after update {i}");
            }
        }
    }

    [Fact]
    public async Task A_delete_of_a_value_whose_replacement_is_pending_applies_at_once_as_in_yjs_461()
    {
        var peers = new Peers(true, 1, 2);
        peers[0].GetMap("m").Set("k", "old");
        peers[0].GetText("t").Insert(0, "x");
        peers.Sync(0, 1);
        // One transaction: text after "x", then the overwrite (which deletes "old").
        peers[1].Transact(_ =>
        {
            peers[1].GetText("t").Insert(1, "y");
            peers[1].GetMap("m").Set("k", "new");
        });
        var updates = peers.AllUpdates.ToList();
        // "x" never arrives: the replacement stays pending, yet "old" is deleted at once.
        var doc = await YjsOracle.AssertSameAsYjsAsync([updates[0], updates[2]]);
        Assert.True(doc.Store.HasPending);
        Assert.False(doc.GetMap("m").ContainsKey("k"));
    }

    [Fact]
    public async Task Duplicates_and_partial_overlaps_integrate_only_the_new_part()
    {
        var peers = new Peers(true, 9);
        var text = peers[0].GetText("t");
        text.Insert(0, "hello");
        var first = peers[0].EncodeStateAsUpdate();
        text.Insert(5, " world");
        text.Delete(0, 1);
        var whole = peers[0].EncodeStateAsUpdate();
        var doc = await YjsOracle.AssertSameAsYjsAsync([first, whole, first, whole]);
        Assert.Equal("ello world", doc.GetText("t").ToString());
    }

    [Fact]
    public void State_with_pending_structs_contains_a_skip_as_measured_in_yjs()
    {
        var peers = new Peers(true, 5);
        var text = peers[0].GetText("t");
        text.Insert(0, "ab");
        text.Insert(2, "c");
        text.Insert(3, "de");
        var updates = peers.Logs[0];
        var doc = new YDoc(999983);
        doc.ApplyUpdate(updates[0]);
        doc.ApplyUpdate(updates[2]);
        Assert.Equal(Hex("01 03 05 00 04 01 01 74 02 61 62 0a 01 84 05 02 02 64 65 00"), doc.EncodeStateAsUpdate());
        Assert.Equal(Hex("01 05 02"), doc.EncodeStateVector());
        doc.ApplyUpdate(updates[1]);
        Assert.False(doc.Store.HasPending);
        Assert.Equal("abcde", doc.GetText("t").ToString());
    }

    [Fact]
    public async Task Splitting_a_surrogate_pair_replaces_both_halves_as_yjs_does()
    {
        var peers = new Peers(true, 1);
        var text = peers[0].GetText("t");
        text.Insert(0, "😀😀");
        text.Insert(1, "x");
        Assert.Equal("\uFFFDx\uFFFD😀", text.ToString());
        var other = peers[0].GetText("u");
        other.Insert(0, "a😀b");
        other.Delete(2, 1);
        Assert.Equal("a\uFFFDb", other.ToString());
        await YjsOracle.AssertSameAsYjsAsync([.. peers.AllUpdates]);
    }

    [Fact]
    public async Task Text_typed_a_character_at_a_time_merges_splits_and_grows_as_in_yjs()
    {
        // Each keystroke's item merges into the run before it (into a growing buffer, not a new string);
        // the run is then split, inside a surrogate pair too, and typed on at both ends of the split.
        var peers = new Peers(true, 1);
        var text = peers[0].GetText("t");
        foreach (var key in new[] { "a", "b", "😀", "c", "d" }) text.Insert(text.Length, key);
        Assert.Single(peers[0].Store.Clients[1]);
        text.Insert(3, "x");
        foreach (var key in new[] { "e", "f" }) text.Insert(text.Length, key);
        text.Insert(1, "y");
        text.Insert(3, "z");
        Assert.Equal("aybz\uFFFDx\uFFFDcdef", text.ToString());
        text.Delete(6, 3);
        Assert.Equal("aybz\uFFFDxef", text.ToString());
        await YjsOracle.AssertSameAsYjsAsync([.. peers.AllUpdates]);
    }

    [Fact]
    public void Applying_a_paragraph_typed_a_key_at_a_time_allocates_in_proportion_to_its_length()
    {
        // Each keystroke's item merges into the run before it. Had each merge copied the run, the
        // 20,000 keystrokes below would allocate about 400 MB; a few KB per keystroke is linear.
        var typist = new YDoc(1);
        var updates = new List<byte[]>();
        typist.Updated += (update, _) => updates.Add(update);
        var text = typist.GetText("t");
        for (var i = 0; i < 20_000; i++) text.Insert(i, ((char)('a' + i % 26)).ToString());

        var server = new YDoc(2);
        var before = GC.GetAllocatedBytesForCurrentThread();
        foreach (var update in updates) server.ApplyUpdate(update);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(text.ToString(), server.GetText("t").ToString());
        Assert.True(allocated < 100_000_000, $"{allocated / updates.Count} bytes per keystroke");
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Deleting_a_nested_type_collects_its_children(bool gc)
    {
        var peers = new Peers(gc, 1, 2);
        var nested = new YArray(peers[0].GetMap("m").SetType("list", TypeKind.Array));
        nested.Insert(0, 1, 2, 3);
        var inner = new YText(nested.InsertType(1, TypeKind.Text));
        inner.Insert(0, "inner");
        peers.Sync(0, 1);
        peers[0].GetMap("m").Delete("list");
        new YText(new YMap(peers[1].GetMap("m").GetType("list")!).Type).GetType(); // peer 2 still sees it
        new YArray(peers[1].GetMap("m").GetType("list")!).Insert(0, "late");     // concurrent insert into the deleted type
        peers.SyncAll();
        Assert.Equal(CanonicalJson.OfDoc(peers[0]), CanonicalJson.OfDoc(peers[1]));
        await YjsOracle.AssertSameAsYjsAsync([.. peers.AllUpdates], gc);
        await YjsOracle.AssertSameAsYjsAsync([.. peers.AllUpdates.Reverse()], gc);
    }

    [Fact]
    public async Task Large_client_ids_and_clocks_beyond_32_bits_round_trip()
    {
        var peers = new Peers(true, 4294967295, (1L << 40) + 7);
        peers[0].GetText("t").Insert(0, "max");
        peers.Sync(0, 1);
        peers[1].GetText("t").Insert(1, "big");
        peers[1].GetMap("m").Set("n", 1L << 40);
        peers.SyncAll();
        await YjsOracle.AssertSameAsYjsAsync([.. peers.AllUpdates]);

        // A client whose clocks pass 2^31: GC runs around items, the last item at clock 2^31 + 100.
        var writer = new Lib0Writer();
        writer.WriteVarUInt(1UL);
        writer.WriteVarUInt(4UL);
        writer.WriteVarUInt(77UL);
        writer.WriteVarUInt(0UL);
        writer.WriteUInt8(0); writer.WriteVarUInt((ulong)int.MaxValue);
        writer.WriteUInt8(4); writer.WriteVarUInt(1UL); writer.WriteVarString("t"); writer.WriteVarString("x");
        writer.WriteUInt8(0); writer.WriteVarUInt(100UL);
        writer.WriteUInt8(4); writer.WriteVarUInt(1UL); writer.WriteVarString("t"); writer.WriteVarString("far");
        writer.WriteVarUInt(0UL);
        var doc = await YjsOracle.AssertSameAsYjsAsync([writer.ToArray()]);
        Assert.Equal("farx", doc.GetText("t").ToString());
    }

    [Fact]
    public void A_remote_update_written_under_our_client_id_makes_us_pick_a_new_one()
    {
        var other = new YDoc(clientId: 1234);
        other.GetText("t").Insert(0, "hi");
        var doc = new YDoc(clientId: 1234);
        doc.ApplyUpdate(other.EncodeStateAsUpdate());
        Assert.NotEqual(1234, doc.ClientId);
        doc.GetText("t").Insert(2, "!");
        Assert.Equal("hi!", doc.GetText("t").ToString());
    }

    [Fact]
    public async Task Xml_elements_hooks_and_text_survive_as_in_yjs()
    {
        var peers = new Peers(true, 1);
        var fragment = peers[0].GetXmlFragment("x").Type;
        var paragraph = new YArray(fragment).InsertType(0, TypeKind.XmlElement, "p");
        new YMap(paragraph).Set("class", "lead");
        var text = new YText(new YArray(paragraph).InsertType(0, TypeKind.XmlText));
        text.Insert(0, "Hello");
        new YArray(fragment).InsertType(1, TypeKind.XmlHook, "h");
        var doc = await YjsOracle.AssertSameAsYjsAsync([.. peers.AllUpdates]);
        Assert.Equal("<p class=\"lead\">Hello</p>[object Object]", doc.GetXmlFragment("x").ToString());
    }

    [Fact]
    public void An_untyped_root_takes_its_kind_on_first_use_and_refuses_another()
    {
        var writer = new YDoc(clientId: 1);
        writer.GetMap("files").Set("a.md", "{\"title\":\"A\"}");
        var doc = new YDoc();
        doc.ApplyUpdate(writer.EncodeStateAsUpdate());
        Assert.Equal(TypeKind.Unknown, doc.Get("files").Kind);
        Assert.Equal("{\"title\":\"A\"}", ((AnyString)doc.GetMap("files").Get("a.md")!).Value);
        Assert.Throws<InvalidOperationException>(() => doc.GetText("files"));
    }
}
