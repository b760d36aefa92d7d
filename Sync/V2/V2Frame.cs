using System.Diagnostics.CodeAnalysis;
using System.Text;

namespace Diaryx.Sync.Lite.Sync.V2;

/// <summary>A <c>/sync2</c> binary frame: u8 doc-id length, the UTF-8 doc id, then a y-websocket payload.</summary>
public static class V2Frame
{
    public const int MaxDocIdBytes = 255;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Splits a frame; false for an empty or short frame or a doc id that is not valid UTF-8.</summary>
    public static bool TryParse(byte[] frame, [NotNullWhen(true)] out string? docId, out byte[] payload)
    {
        docId = null;
        payload = [];
        if (frame.Length == 0 || frame.Length < 1 + frame[0]) return false;
        try
        {
            docId = StrictUtf8.GetString(frame, 1, frame[0]);
        }
        catch (DecoderFallbackException)
        {
            return false;
        }
        payload = frame[(1 + frame[0])..];
        return true;
    }

    /// <summary>Bigger frames (a whole document sent to one peer) are not kept for reuse: they would stay in memory.</summary>
    internal const int MaxReusedFrameBytes = 16 * 1024;

    /// <summary>The frame <see cref="Encode"/> made last on this thread.</summary>
    private sealed record LastFrame(byte[] Payload, byte[] Prefix, byte[] Frame);

    [ThreadStatic]
    private static LastFrame? t_last;

    /// <summary>
    /// Frames a payload behind its document's <see cref="Prefix"/>. A relay hands the same message to
    /// each peer of a document in turn on one thread, and every peer whose client names the document
    /// alike gets the same frame: so the frame made last on this thread is returned again when it fits,
    /// instead of a copy per peer (most of the bytes a relay allocated). Frames are never modified.
    /// </summary>
    public static byte[] Encode(byte[] prefix, byte[] payload)
    {
        if (t_last is { } last && ReferenceEquals(last.Payload, payload) && last.Prefix.AsSpan().SequenceEqual(prefix)) return last.Frame;
        var frame = new byte[prefix.Length + payload.Length];
        prefix.CopyTo(frame, 0);
        payload.CopyTo(frame, prefix.Length);
        t_last = frame.Length <= MaxReusedFrameBytes ? new LastFrame(payload, prefix, frame) : null;
        return frame;
    }

    /// <summary>
    /// What precedes the payload in every frame of <paramref name="docId"/>: its length byte and UTF-8
    /// bytes. Doc ids longer than 255 bytes cannot be framed (and are refused on open).
    /// </summary>
    public static byte[] Prefix(string docId)
    {
        var idLength = Encoding.UTF8.GetByteCount(docId);
        if (idLength > MaxDocIdBytes) throw new ArgumentException($"doc id longer than {MaxDocIdBytes} bytes", nameof(docId));
        var prefix = new byte[1 + idLength];
        prefix[0] = (byte)idLength;
        Encoding.UTF8.GetBytes(docId, prefix.AsSpan(1));
        return prefix;
    }
}
