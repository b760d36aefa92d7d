namespace Diaryx.Sync.Lite.Storage;

/// <summary>
/// The database file cannot be used: not a SQLite file, written by a newer server (schema version
/// too high), or a migration failed. The message is one line meant for the operator.
/// </summary>
public sealed class StorageException : Exception
{
    public StorageException(string message)
        : base(message)
    {
    }

    public StorageException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
