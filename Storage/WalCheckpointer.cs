using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace Diaryx.Sync.Lite.Storage;

/// <summary>
/// Checkpoints the WAL on its own thread and connection, so that the update log's writer never waits
/// for a checkpoint's copying and fsyncs. (SQLite's automatic checkpoint runs inside the commit that
/// takes the WAL past 1000 pages: under the fan-out benchmark that stopped every relay for 10-20 ms
/// three times a second.) The writer turns its automatic checkpoints off and reports each commit to
/// <see cref="Committed"/>; after about as much as SQLite would have let pass (<c>commitsPerCheckpoint</c>
/// commits or 4 MiB), this thread runs a passive checkpoint, which never blocks the writer. A few
/// edits a second thus still cost a checkpoint only every minute or so, not an fsync per edit.
/// <para>
/// Under writes that never pause a passive checkpoint may never catch up with the WAL, which would then
/// grow without bound: once it holds more than <c>maxWalFrames</c> pages, <see cref="WalTooLarge"/>
/// asks the writer to truncate it itself (<see cref="Truncate"/>) between two batches.
/// </para>
/// </summary>
internal sealed class WalCheckpointer : IDisposable
{
    /// <summary>About 64 MiB of WAL with SQLite's default 4 KiB pages.</summary>
    public const int DefaultMaxWalFrames = 16 * 1024;

    /// <summary>Under the fan-out benchmark about 1000 WAL pages: SQLite's own automatic checkpoint size.</summary>
    public const int DefaultCommitsPerCheckpoint = 256;

    private const long BytesPerCheckpoint = 4L << 20;

    private readonly SqliteDatabase _database;
    private readonly ILogger _logger;
    private readonly int _commitsPerCheckpoint;
    private readonly int _maxWalFrames;
    private readonly SemaphoreSlim _wake = new(0, 1);
    private readonly CancellationTokenSource _stop = new();
    private readonly Thread _thread;
    // Only the writer touches these two (one batch at a time).
    private int _commitsSinceCheckpoint;
    private long _bytesSinceCheckpoint;
    private volatile bool _walTooLarge;

    public WalCheckpointer(SqliteDatabase database, ILogger logger, int commitsPerCheckpoint, int maxWalFrames)
    {
        _database = database;
        _logger = logger;
        _commitsPerCheckpoint = commitsPerCheckpoint;
        _maxWalFrames = maxWalFrames;
        _thread = new Thread(Run) { IsBackground = true, Name = "SQLite WAL checkpoints" };
        _thread.Start();
    }

    /// <summary>The WAL has outgrown the limit: the writer should call <see cref="Truncate"/> before its next batch.</summary>
    public bool WalTooLarge => _walTooLarge;

    /// <summary>Called by the writer after each commit of about <paramref name="bytes"/>; wakes the checkpoint thread when enough has been written.</summary>
    public void Committed(long bytes)
    {
        _bytesSinceCheckpoint += bytes;
        if (++_commitsSinceCheckpoint < _commitsPerCheckpoint && _bytesSinceCheckpoint < BytesPerCheckpoint) return;
        _commitsSinceCheckpoint = 0;
        _bytesSinceCheckpoint = 0;
        if (_wake.CurrentCount == 0) _wake.Release();
    }

    /// <summary>Turns off automatic checkpoints on <paramref name="writer"/>: this class takes them over.</summary>
    public static void DisableAutomaticCheckpoints(SqliteConnection writer) =>
        Execute(writer, "PRAGMA wal_autocheckpoint = 0;");

    /// <summary>
    /// Checkpoints everything and truncates the WAL, unless a reader still needs it: the writer must not
    /// wait for readers, so it then goes on and tries again when the next checkpoint finds the WAL too large.
    /// </summary>
    public void Truncate(SqliteConnection writer)
    {
        _walTooLarge = false;
        Execute(writer, "PRAGMA busy_timeout = 0;");
        try
        {
            Execute(writer, "PRAGMA wal_checkpoint(TRUNCATE);");
        }
        finally
        {
            Execute(writer, $"PRAGMA busy_timeout = {SqliteDatabase.BusyTimeoutMilliseconds};");
        }
    }

    private void Run()
    {
        SqliteConnection? connection = null;
        try
        {
            while (true)
            {
                _wake.Wait(_stop.Token);
                try
                {
                    connection ??= _database.OpenConnection();
                    var (_, walFrames, _) = Execute(connection, "PRAGMA wal_checkpoint(PASSIVE);");
                    if (walFrames > _maxWalFrames) _walTooLarge = true;
                }
                catch (Exception exception) when (exception is SqliteException or ObjectDisposedException)
                {
                    // Nothing is lost: the WAL keeps every commit until a later checkpoint succeeds.
                    _logger.LogWarning(exception, "Storage: WAL checkpoint failed; retrying after more commits");
                    connection?.Dispose();
                    connection = null;
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
        finally
        {
            connection?.Dispose();
        }
    }

    /// <summary>Runs a checkpoint pragma; returns its row (busy, pages in the WAL, pages checkpointed).</summary>
    private static (long Busy, long WalFrames, long Checkpointed) Execute(SqliteConnection connection, string pragma)
    {
        using var command = connection.CreateCommand();
        command.CommandText = pragma;
        using var reader = command.ExecuteReader();
        return reader.Read() && reader.FieldCount == 3 ? (reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2)) : (0, 0, 0);
    }

    public void Dispose()
    {
        if (_stop.IsCancellationRequested) return;
        _stop.Cancel();
        _thread.Join();
        _stop.Dispose();
        _wake.Dispose();
    }
}
