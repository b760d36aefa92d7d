using Diaryx.Sync.Lite.Sync.V2;

namespace Diaryx.Sync.Lite.Tests.Sync;

public class V2FrameTests
{
    private static byte[] Expected(string docId, byte[] payload) => [.. V2Frame.Prefix(docId), .. payload];

    [Fact]
    public void A_relay_to_peers_naming_the_document_alike_is_framed_once()
    {
        var payload = new byte[] { 0, 2, 5, 1, 2, 3, 4, 5 };
        var first = V2Frame.Encode(V2Frame.Prefix("body:ws/a.md"), payload);
        var second = V2Frame.Encode(V2Frame.Prefix("body:ws/a.md"), payload);
        Assert.Same(first, second);
        Assert.Equal(Expected("body:ws/a.md", payload), second);
    }

    [Fact]
    public void Another_name_or_another_message_gets_its_own_frame()
    {
        var payload = new byte[] { 0, 2, 1, 9 };
        var forA = V2Frame.Encode(V2Frame.Prefix("a"), payload);
        var forB = V2Frame.Encode(V2Frame.Prefix("bb"), payload);
        Assert.Equal(Expected("a", payload), forA);
        Assert.Equal(Expected("bb", payload), forB);

        var next = new byte[] { 0, 2, 1, 8 };
        Assert.Equal(Expected("bb", next), V2Frame.Encode(V2Frame.Prefix("bb"), next));
    }

    [Fact]
    public void A_big_frame_is_not_kept()
    {
        var payload = new byte[V2Frame.MaxReusedFrameBytes];
        var first = V2Frame.Encode(V2Frame.Prefix("big"), payload);
        Assert.NotSame(first, V2Frame.Encode(V2Frame.Prefix("big"), payload));
    }
}
