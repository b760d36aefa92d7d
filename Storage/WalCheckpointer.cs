using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace Diaryx.Sync.Lite.Storage;

/// <summary>
/// Checkpoints the WAL on its own thread and connection, so that the update log's writer never waits
/// for a checkpoint's copying and fsyncs. (SQLite's automatic checkpoint runs inside the commit that
/// takes the WAL past 1000 pages: under the fan-out benchmark that stopped every relay for 10-20 ms
/// three times a second.) The writer turns its automatic checkpoints off and calls
/// <see cref="Committed"/> after each commit; at most every <c>interval</c> this thread then runs a
/// passive checkpoint, which never blocks the writer.
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

    public static readonly TimeSpan DefaultInterval = TimeSpan.FromMilliseconds(250);

    private readonly SqliteDatabase _database;
    private readonly ILogger _logger;
    private readonly TimeSpan _interval;
    private readonly int _maxWalFrames;
    private readonly SemaphoreSlim _wake = new(0, 1);
    private readonly CancellationTokenSource _stop = new();
    private readonly Thread _thread;
    private int _signalled;
    private volatile bool _walTooLarge;

    public WalCheckpointer(SqliteDatabase database, ILogger logger, TimeSpan interval, int maxWalFrames)
    {
        _database = database;
        _logger = logger;
        _interval = interval;
        _maxWalFrames = maxWalFrames;
        _thread = new Thread(Run) { IsBackground = true, Name = "SQLite WAL checkpoints" };
        _thread.Start();
    }

    /// <summary>The WAL has outgrown the limit: the writer should call <see cref="Truncate"/> before its next batch.</summary>
    public bool WalTooLarge => _walTooLarge;

    /// <summary>Called by the writer after each commit: a checkpoint is due.</summary>
    public void Committed()
    {
        if (Interlocked.Exchange(ref _signalled, 1) == 0) _wake.Release();
    }

    /// <summary>Turns off automatic checkpoints on <paramref name="writer"/>: this class takes them over.</summary>
    public static void DisableAutomaticCheckpoints(SqliteConnection writer) =>
        Execute(writer, "PRAGMA wal_autocheckpoint = 0;");

    /// <summary>Checkpoints everything and truncates the WAL, waiting for readers (run by the writer, between batches).</summary>
    public void Truncate(SqliteConnection writer)
    {
        var (busy, _, _) = Execute(writer, "PRAGMA wal_checkpoint(TRUNCATE);");
        if (busy == 0) _walTooLarge = false;
    }

    private void Run()
    {
        SqliteConnection? connection = null;
        try
        {
            while (true)
            {
                _wake.Wait(_stop.Token);
                Interlocked.Exchange(ref _signalled, 0);
                try
                {
                    connection ??= _database.OpenConnection();
                    var (_, walFrames, _) = Execute(connection, "PRAGMA wal_checkpoint(PASSIVE);");
                    if (walFrames > _maxWalFrames) _walTooLarge = true;
                }
                catch (Exception exception) when (exception is SqliteException or ObjectDisposedException)
                {
                    // Nothing is lost: the WAL keeps every commit until a later checkpoint succeeds.
                    _logger.LogWarning(exception, "Storage: WAL checkpoint failed; retrying after the next commit");
                    connection?.Dispose();
                    connection = null;
                }
                _stop.Token.WaitHandle.WaitOne(_interval);
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
