using System.Diagnostics.CodeAnalysis;
using System.Text;
using Diaryx.Sync.Lite.Yjs;
using Diaryx.Sync.Lite.Yjs.Lib0;

namespace Diaryx.Sync.Lite.Sync.V1;

/// <summary>
/// A binary frame of a <c>/sync?multiplexed=true</c> socket: <c>varuint(path length) ‖ UTF-8 file path ‖
/// y-websocket payload</c>. The path is workspace-relative (<c>notes/a.md</c>), not a doc id; the
/// payload is the rest of the frame and may hold several messages.
/// </summary>
public static class MultiplexFrame
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Splits a frame; false (with the reason) for a truncated length, a length past the end, or a path that is not UTF-8.</summary>
    public static bool TryParse(byte[] frame, [NotNullWhen(true)] out string? path, out byte[] payload, [NotNullWhen(false)] out string? error)
    {
        path = null;
        payload = [];
        error = null;
        var reader = new Lib0Reader(frame);
        long length;
        try
        {
            length = reader.ReadVarUInt();
        }
        catch (YjsDecodeException)
        {
            error = "the path length is truncated or too large";
            return false;
        }
        if (length > reader.Remaining)
        {
            error = "the path is longer than the frame";
            return false;
        }
        try
        {
            path = StrictUtf8.GetString(frame, reader.Position, (int)length);
        }
        catch (DecoderFallbackException)
        {
            error = "the path is not valid UTF-8";
            return false;
        }
        payload = frame[(reader.Position + (int)length)..];
        return true;
    }

    public static byte[] Encode(string path, byte[] payload)
    {
        var pathBytes = Encoding.UTF8.GetBytes(path);
        var writer = new Lib0Writer(pathBytes.Length + payload.Length + 5);
        writer.WriteVarUInt((ulong)pathBytes.Length);
        writer.WriteBytes(pathBytes);
        writer.WriteBytes(payload);
        return writer.ToArray();
    }
}
