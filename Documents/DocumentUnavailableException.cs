namespace Diaryx.Sync.Lite.Documents;

/// <summary>A document could not be loaded or its change could not be stored; nothing of the change was kept.</summary>
public sealed class DocumentUnavailableException(string message, Exception? inner = null) : Exception(message, inner);
