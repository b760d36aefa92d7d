using Diaryx.Sync.Lite.Yjs;
using Diaryx.Sync.Lite.Yjs.Protocols;

namespace Diaryx.Sync.Lite.Tests.Infrastructure;

/// <summary>y-sync messages that change a body document, for tests that feed the hub directly.</summary>
internal static class BodyUpdates
{
    /// <summary>A y-sync update message from a fresh client that typed <paramref name="text"/> into <c>body</c>.</summary>
    public static byte[] Insert(string text)
    {
        var doc = new YDoc();
        doc.GetText("body").Insert(0, text);
        return Messages.Update(doc.EncodeStateAsUpdate());
    }
}
