namespace Diaryx.Sync.Lite.Configuration;

/// <summary>
/// A bad configuration value. <see cref="Exception.Message"/> is the one line shown to the user
/// (after <c>error: </c>), naming the flag and, when the value did not come from the command
/// line, where it came from. The process exits with code 2.
/// </summary>
public sealed class SettingsException(string message) : Exception(message);
