using Diaryx.Sync.Lite.Yjs;
using Diaryx.Sync.Lite.Yjs.Lib0;
using Diaryx.Sync.Lite.Yjs.Protocols;

namespace Diaryx.Sync.Lite.Tests.Yjs;

/// <summary>y-protocols sync and awareness messages, with the frames measured from y-protocols 1.0.7.</summary>
public sealed class ProtocolTests
{
    private static byte[] Hex(string hex) => Convert.FromHexString(hex.Replace(" ", ""));

    private sealed class ManualTime : TimeProvider
    {
        public DateTimeOffset Now = new(2026, 11, 25, 0, 0, 0, TimeSpan.Zero);
        public override DateTimeOffset GetUtcNow() => Now;
    }

    [Fact]
    public void Sync_messages_match_the_measured_frames()
    {
        var writer = new Lib0Writer();
        SyncProtocol.WriteStep1(writer, new YDoc());
        Assert.Equal(Hex("00 01 00"), writer.ToArray());

        writer.Clear();
        SyncProtocol.WriteStep2(writer, new YDoc(), [0]);
        Assert.Equal(Hex("01 02 00 00"), writer.ToArray());

        var doc = new YDoc(clientId: 42);
        doc.GetMap("m").Set("a", 1);
        var step1 = SyncProtocol.Read(new Lib0Reader(Hex("00 03 01 2a 01")));
        Assert.Equal(SyncMessageType.Step1, step1.Type);
        Assert.Equal(Hex("01 2a 01"), step1.Payload);

        writer.Clear();
        SyncProtocol.WriteUpdate(writer, doc.EncodeStateAsUpdate());
        Assert.Equal(Hex("02 0e 01 01 2a 00 28 01 01 6d 01 61 01 7d 01 00"), writer.ToArray());
    }

    [Fact]
    public void A_step1_is_answered_with_what_the_sender_lacks_and_updates_are_applied()
    {
        var server = new YDoc(clientId: 1);
        server.GetText("t").Insert(0, "server text");
        var client = new YDoc(clientId: 2);

        var request = new Lib0Writer();
        SyncProtocol.WriteStep1(request, client);
        var reply = new Lib0Writer();
        Assert.Equal(SyncMessageType.Step1, SyncProtocol.Handle(new Lib0Reader(request.ToArray()), reply, server));

        var answer = SyncProtocol.Read(new Lib0Reader(reply.ToArray()));
        Assert.Equal(SyncMessageType.Step2, answer.Type);
        client.ApplyUpdate(answer.Payload);
        Assert.Equal("server text", client.GetText("t").ToString());

        client.GetText("t").Insert(0, ">");
        var update = new Lib0Writer();
        SyncProtocol.WriteUpdate(update, client.EncodeStateAsUpdate(server.EncodeStateVector()));
        var none = new Lib0Writer();
        Assert.Equal(SyncMessageType.Update, SyncProtocol.Handle(new Lib0Reader(update.ToArray()), none, server));
        Assert.Equal(0, none.Length);
        Assert.Equal(">server text", server.GetText("t").ToString());
    }

    [Theory]
    [InlineData("03 00")]          // unknown message type
    [InlineData("02 05 01 01")]    // payload shorter than its length
    [InlineData("02 02 01 01")]    // truncated update inside
    [InlineData("00 03 01 2a")]    // truncated state vector
    public void Malformed_sync_messages_throw_and_change_nothing(string hex)
    {
        var doc = new YDoc(clientId: 1);
        doc.GetText("t").Insert(0, "keep");
        var before = doc.EncodeStateAsUpdate();
        Assert.Throws<YjsDecodeException>(() => SyncProtocol.Handle(new Lib0Reader(Hex(hex)), new Lib0Writer(), doc));
        Assert.Equal(before, doc.EncodeStateAsUpdate());
    }

    [Fact]
    public void Awareness_update_encodes_as_measured()
    {
        var awareness = new Awareness(clientId: 1);
        var change = awareness.ApplyUpdate(Hex("01 2a 01 16") .Concat("{\"user\":{\"name\":\"ü\"}}"u8.ToArray()).ToArray());
        Assert.Equal([42L], change.Added);
        Assert.Equal(Hex("01 2a 01 16").Concat("{\"user\":{\"name\":\"ü\"}}"u8.ToArray()), awareness.EncodeUpdate([42]));
    }

    [Fact]
    public void Awareness_follows_the_clock_rules()
    {
        var time = new ManualTime();
        var awareness = new Awareness(clientId: 1, time);
        byte[] Entry(long client, long clock, string json)
        {
            var writer = new Lib0Writer();
            writer.WriteVarUInt(1UL);
            writer.WriteVarUInt((ulong)client);
            writer.WriteVarUInt((ulong)clock);
            writer.WriteVarString(json);
            return writer.ToArray();
        }

        Assert.Equal([7L], awareness.ApplyUpdate(Entry(7, 3, "{\"n\":1}")).Added);
        Assert.True(awareness.ApplyUpdate(Entry(7, 2, "{\"n\":0}")).IsEmpty);              // stale clock ignored
        Assert.True(awareness.ApplyUpdate(Entry(7, 3, "{\"n\":9}")).IsEmpty);              // same clock, not a removal
        Assert.Equal([7L], awareness.ApplyUpdate(Entry(7, 4, "{\"n\":1}")).Updated);       // renewal counts as update
        Assert.Equal([7L], awareness.ApplyUpdate(Entry(7, 4, "null")).Removed);            // null at the same clock removes
        Assert.False(awareness.States.ContainsKey(7));
        Assert.Equal(Hex("01 07 04 04 6e 75 6c 6c"), awareness.EncodeUpdate([7]));         // removal goes out as null

        awareness.SetLocalState(AnyValue.Object([new("me", true)]));
        awareness.ApplyUpdate(Entry(1, 5, "null"));                                        // a remote removal of our own state
        Assert.NotNull(awareness.LocalState);
        Assert.Equal(6, awareness.ClockOf(1));                                              // refused by a newer clock

        awareness.ApplyUpdate(Entry(8, 1, "{}"));
        time.Now += TimeSpan.FromSeconds(29);
        Assert.True(awareness.RemoveOutdated().IsEmpty);
        time.Now += TimeSpan.FromSeconds(1);
        Assert.Equal([8L], awareness.RemoveOutdated().Removed);
        Assert.NotNull(awareness.LocalState);                                               // our own state never times out
    }

    [Fact]
    public void A_malformed_awareness_update_changes_nothing()
    {
        var awareness = new Awareness(clientId: 1);
        var writer = new Lib0Writer();
        writer.WriteVarUInt(2UL);
        writer.WriteVarUInt(5UL); writer.WriteVarUInt(1UL); writer.WriteVarString("{}");
        writer.WriteVarUInt(6UL); writer.WriteVarUInt(1UL); writer.WriteVarString("{not json");
        Assert.Throws<YjsDecodeException>(() => awareness.ApplyUpdate(writer.ToArray()));
        Assert.Empty(awareness.States);
    }

    [Fact]
    public void Removing_a_connections_clients_reports_them_with_their_clock()
    {
        var awareness = new Awareness(clientId: 1);
        var writer = new Lib0Writer();
        writer.WriteVarUInt(1UL);
        writer.WriteVarUInt(9UL); writer.WriteVarUInt(3UL); writer.WriteVarString("{\"cursor\":1}");
        awareness.ApplyUpdate(writer.ToArray());
        var change = awareness.RemoveStates([9, 10]);
        Assert.Equal([9L], change.Removed);
        Assert.Equal(Hex("01 09 03 04 6e 75 6c 6c"), awareness.EncodeUpdate(change.All));
    }
}
