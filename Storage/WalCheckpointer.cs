using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace Diaryx.Sync.Lite.Storage;

/// <summary>
/// Checkpoints the WAL on its own thread and connection, so that the update log's writer does not wait
/// for a checkpoint's copying. (SQLite's automatic checkpoint runs inside the commit that takes the WAL
/// past 1000 pages: under the fan-out benchmark that stopped every relay for 10-20 ms three times a
/// second.) The writer turns its automatic checkpoints off and reports each commit to
/// <see cref="Committed"/>; once the WAL holds about <see cref="DefaultPagesPerCheckpoint"/> pages, this
/// thread runs a passive checkpoint, which never blocks the writer. A few edits a second thus still cost
/// a checkpoint only every few minutes, not an fsync per edit.
/// <para>
/// A passive checkpoint alone never lets the WAL start over while the writer keeps appending (it only
/// starts over once every page in it is checkpointed), so it would grow without end, and every append
/// would then need fresh file blocks and page-cache memory: under the fan-out benchmark that cost a
/// sixth of the server's CPU. So after each checkpoint <see cref="RestartWanted"/> asks the writer to
/// <see cref="Restart"/> the WAL between two batches: it copies the few pages appended since and the
/// next commit writes the WAL from its start again, over blocks already in memory. That restart syncs
/// the WAL and the database file while appends wait (3-14 ms here), so checkpoints come every 4000
/// pages, not SQLite's 1000: in the fan-out benchmark a quarter as many of those waits, and 5 % less
/// CPU (pages written again and again are copied once per checkpoint). A WAL that a reader made grow
/// is trimmed back to <c>maxWalBytes</c> when it starts over.
/// </para>
/// </summary>
internal sealed class WalCheckpointer : IDisposable
{
    /// <summary>Four times SQLite's automatic checkpoint size (<c>wal_autocheckpoint</c>): about 16 MiB of WAL.</summary>
    public const int DefaultPagesPerCheckpoint = 4000;

    /// <summary>What a WAL keeps on disk when it starts over (SQLite's <c>journal_size_limit</c>): room for a checkpoint's pages and those appended while it ran.</summary>
    public const long DefaultMaxWalBytes = 32L << 20;

    private const int PageBytes = 4096;

    private readonly SqliteDatabase _database;
    private readonly ILogger _logger;
    private readonly int _pagesPerCheckpoint;
    private readonly long _maxWalBytes;
    private readonly SemaphoreSlim _wake = new(0, 1);
    private readonly CancellationTokenSource _stop = new();
    private readonly Thread _thread;
    // Only the writer touches this (one batch at a time).
    private long _pagesSinceCheckpoint;
    private volatile bool _restartWanted;

    public WalCheckpointer(SqliteDatabase database, ILogger logger, int pagesPerCheckpoint, long maxWalBytes)
    {
        _database = database;
        _logger = logger;
        _pagesPerCheckpoint = pagesPerCheckpoint;
        _maxWalBytes = maxWalBytes;
        _thread = new Thread(Run) { IsBackground = true, Name = "SQLite WAL checkpoints" };
        _thread.Start();
    }

    /// <summary>A checkpoint has copied the WAL: the writer should call <see cref="Restart"/> before its next batch.</summary>
    public bool RestartWanted => _restartWanted;

    /// <summary>
    /// Called by the writer after each commit of <paramref name="operations"/> writing about
    /// <paramref name="bytes"/>; wakes the checkpoint thread once the WAL has grown by about
    /// <c>pagesPerCheckpoint</c> pages. Each operation is counted as a page of its own (each touches its
    /// document's page of the log), plus the pages of its data.
    /// </summary>
    public void Committed(int operations, long bytes)
    {
        _pagesSinceCheckpoint += operations + bytes / PageBytes;
        if (_pagesSinceCheckpoint < _pagesPerCheckpoint) return;
        _pagesSinceCheckpoint = 0;
        if (_wake.CurrentCount == 0) _wake.Release();
    }

    /// <summary>Turns off automatic checkpoints on <paramref name="writer"/> (this class takes them over) and sets the size a WAL is trimmed to when it starts over.</summary>
    public void TakeOverCheckpoints(SqliteConnection writer)
    {
        Execute(writer, "PRAGMA wal_autocheckpoint = 0;");
        Execute(writer, $"PRAGMA journal_size_limit = {_maxWalBytes};");
    }

    /// <summary>
    /// Checkpoints what the last checkpoint left and makes the next commit start the WAL over, unless a
    /// reader still needs it: the writer must not wait for readers (or for a checkpoint in progress), so
    /// it then goes on and tries again after the next checkpoint.
    /// </summary>
    public void Restart(SqliteConnection writer)
    {
        Execute(writer, "PRAGMA busy_timeout = 0;");
        try
        {
            Execute(writer, "PRAGMA wal_checkpoint(RESTART);");
            _pagesSinceCheckpoint = 0;
        }
        finally
        {
            Execute(writer, $"PRAGMA busy_timeout = {SqliteDatabase.BusyTimeoutMilliseconds};");
            // Only now may the checkpoint thread run again: a checkpoint of its own holds the lock this
            // restart needs, so on a disk with slow syncs the two kept colliding and the WAL grew.
            _restartWanted = false;
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
                // The writer has yet to restart the WAL after the last checkpoint; that restart copies these pages.
                if (_restartWanted) continue;
                try
                {
                    connection ??= _database.OpenConnection();
                    Execute(connection, "PRAGMA wal_checkpoint(PASSIVE);");
                    _restartWanted = true;
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

    private static void Execute(SqliteConnection connection, string pragma)
    {
        using var command = connection.CreateCommand();
        command.CommandText = pragma;
        command.ExecuteNonQuery();
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
