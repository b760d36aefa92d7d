namespace Diaryx.Sync.Lite.Yjs;

/// <summary>
/// Thrown for malformed or truncated Yjs/lib0 input. Decoding happens before anything is
/// integrated, so a document that rejects an update with this exception is left unchanged.
/// </summary>
public sealed class YjsDecodeException(string message) : Exception(message);
