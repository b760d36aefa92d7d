using System.Threading.Channels;
using Diaryx.Sync.Lite.Documents;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using SQLitePCL;

namespace Diaryx.Sync.Lite.Storage;

/// <summary>
/// <see cref="IDocumentStore"/> on the <c>snapshots</c> and <c>updates</c> tables, with grouped commits.
/// <para>
/// Writes (<see cref="AppendAsync"/>, <see cref="CompactAsync"/>, <see cref="DeleteAsync"/>) go into
/// one queue drained by a single background writer with its own connection. The writer takes
/// everything queued (up to <c>maxBatchSize</c> operations or about 16 MiB), executes it in queue
/// order inside ONE transaction and commits; only then are the callers' tasks completed (appends with
/// their row ids). If anything in the batch fails the transaction is rolled back and every task of the
/// batch faults with that exception: a batch lands whole or not at all. Many documents' appends thus
/// share one commit, and an append, a compaction and a later append of the same document keep their
/// order.
/// </para>
/// <para>
/// Reads use their own pooled connections (WAL lets them run beside the writer) and see only
/// committed data, each in one read transaction. Disposing stops accepting writes, commits everything
/// already queued and then returns.
/// </para>
/// <para>
/// The writer does not checkpoint the WAL itself (that would hold up every commit behind it for the
/// checkpoint's copying): <see cref="WalCheckpointer"/> does, on its own thread, as often as SQLite
/// would; after each, the writer only copies the few pages appended meanwhile, so the WAL starts over.
/// </para>
/// </summary>
public sealed class SqliteDocumentStore : IDocumentStore, IAsyncDisposable, IDisposable
{
    /// <summary>Default maximum number of queued operations committed in one transaction.</summary>
    public const int DefaultMaxBatchSize = 2048;

    private const long MaxBatchBytes = 16L * 1024 * 1024;

    private readonly SqliteDatabase _database;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly int _maxBatchSize;
    private readonly Channel<WriteOperation> _queue;
    private readonly Task _writer;
    private readonly WalCheckpointer _checkpointer;
    private WriterConnection? _writerConnection;
    private int _disposed;

    public SqliteDocumentStore(
        SqliteDatabase database,
        ILogger<SqliteDocumentStore>? logger = null,
        TimeProvider? timeProvider = null,
        int maxBatchSize = DefaultMaxBatchSize,
        long maxWalBytes = WalCheckpointer.DefaultMaxWalBytes,
        int pagesPerCheckpoint = WalCheckpointer.DefaultPagesPerCheckpoint,
        TimeSpan? purgeDelay = null)
    {
        ArgumentNullException.ThrowIfNull(database);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBatchSize, 1);
        _database = database;
        _logger = logger ?? NullLogger<SqliteDocumentStore>.Instance;
        _time = timeProvider ?? TimeProvider.System;
        _maxBatchSize = maxBatchSize;
        _purgeDelay = purgeDelay ?? DefaultPurgeDelay;
        _queue = Channel.CreateUnbounded<WriteOperation>(new UnboundedChannelOptions
        {
            SingleReader = true,
            SingleWriter = false,
            AllowSynchronousContinuations = false,
        });
        _checkpointer = new WalCheckpointer(database, _logger, pagesPerCheckpoint, maxWalBytes);
        _writer = Task.Run(RunWriterAsync);
    }

    /// <summary>Operations queued and not yet taken by the writer (for tests and metrics).</summary>
    internal int PendingCount => Volatile.Read(ref _pending);

    /// <summary>Batches committed so far (for tests and metrics).</summary>
    internal long CommittedBatches => Interlocked.Read(ref _committedBatches);

    private long _committedBatches;
    private int _pending;

    /// <summary>Rows per purge transaction while the writer is idle, and the least between two batches: about a millisecond's work.</summary>
    private const int PurgeChunkRows = 256;

    /// <summary>
    /// How long rows a compaction folded in wait before they are purged, so that the documents compacted
    /// meanwhile (documents edited together reach their compaction point together) share the purge's
    /// transactions instead of each taking turns with the appends. (Before the log was clustered by
    /// document this mattered more: their rows interleaved, and purged together, 5 documents wrote 62 MB
    /// of WAL instead of 210.)
    /// </summary>
    public static readonly TimeSpan DefaultPurgeDelay = TimeSpan.FromSeconds(5);

    private readonly TimeSpan _purgeDelay;

    /// <summary>Documents whose snapshot holds rows that are still in the log, and the newest such row id (the writer's alone).</summary>
    private readonly Dictionary<string, long> _folded = [];

    /// <summary>When the oldest entry of <see cref="_folded"/> was noted (a <see cref="TimeProvider.GetTimestamp"/>).</summary>
    private long _foldedSince;

    /// <summary>The writer's wait for the queue while it also waits for a purge to be due (it outlives that wait).</summary>
    private Task<bool>? _waitingToRead;

    /// <summary>Completes when the folds noted so far are due for purging (while the writer waits for it).</summary>
    private Task? _purgeTimer;

    /// <inheritdoc />
    public Task<StoredDocument> LoadAsync(string docId, CancellationToken cancellationToken = default)
    {
        ValidateDocId(docId);
        return cancellationToken.IsCancellationRequested
            ? Task.FromCanceled<StoredDocument>(cancellationToken)
            : RunRead(() => Load(docId));
    }

    private StoredDocument Load(string docId)
    {
        using var connection = _database.OpenConnection();
        // One read transaction: the snapshot and the log come from the same committed state, so a
        // compaction committing in between cannot make updates vanish or appear twice.
        using var transaction = connection.BeginTransaction(deferred: true);

        byte[]? snapshot = null;
        long foldedThrough = 0;
        using (var command = connection.CreateCommand())
        {
            command.Transaction = transaction;
            command.CommandText = "SELECT state, through_id FROM snapshots WHERE doc_id = $doc_id;";
            command.Parameters.AddWithValue("$doc_id", docId);
            using var reader = command.ExecuteReader();
            if (reader.Read())
            {
                snapshot = reader.GetFieldValue<byte[]>(0);
                foldedThrough = reader.GetInt64(1);
            }
        }

        var updates = new List<StoredUpdate>();
        using (var command = connection.CreateCommand())
        {
            command.Transaction = transaction;
            // Rows the snapshot folded in may linger until the writer has purged them.
            command.CommandText = "SELECT id, data FROM updates WHERE doc_id = $doc_id AND id > $through ORDER BY id;";
            command.Parameters.AddWithValue("$doc_id", docId);
            command.Parameters.AddWithValue("$through", foldedThrough);
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                updates.Add(new StoredUpdate(reader.GetInt64(0), reader.GetFieldValue<byte[]>(1)));
            }
        }

        transaction.Commit();
        return snapshot is null && updates.Count == 0 ? StoredDocument.Empty : new StoredDocument(snapshot, updates);
    }

    /// <inheritdoc />
    /// <remarks>
    /// <paramref name="update"/> is stored as given and must not be modified until the task completes.
    /// <paramref name="cancellationToken"/> is only observed before the update is queued: once queued
    /// it is committed with its batch.
    /// </remarks>
    public Task<long> AppendAsync(string docId, byte[] update, UpdateAuthor author, CancellationToken cancellationToken = default)
    {
        ValidateDocId(docId);
        ArgumentNullException.ThrowIfNull(update);
        ArgumentNullException.ThrowIfNull(author);
        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled<long>(cancellationToken);
        }

        var operation = new AppendOperation(docId, update, author);
        Enqueue(operation);
        return operation.Completion.Task;
    }

    /// <inheritdoc />
    public Task CompactAsync(string docId, byte[] snapshot, CancellationToken cancellationToken = default)
    {
        ValidateDocId(docId);
        ArgumentNullException.ThrowIfNull(snapshot);
        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled(cancellationToken);
        }

        var operation = new CompactOperation(docId, snapshot);
        Enqueue(operation);
        return operation.Completion.Task;
    }

    /// <summary>Deletes the document's snapshot and its whole log (queued behind earlier writes).</summary>
    public Task DeleteAsync(string docId, CancellationToken cancellationToken = default)
    {
        ValidateDocId(docId);
        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled(cancellationToken);
        }

        var operation = new DeleteOperation(docId);
        Enqueue(operation);
        return operation.Completion.Task;
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<string>> ListAsync(string prefix, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        return cancellationToken.IsCancellationRequested
            ? Task.FromCanceled<IReadOnlyList<string>>(cancellationToken)
            : RunRead(() => List(prefix));
    }

    private IReadOnlyList<string> List(string prefix)
    {
        using var connection = _database.OpenConnection();
        using var command = connection.CreateCommand();
        // GLOB is case-sensitive and, with a literal prefix, answered from the doc_id indexes.
        command.CommandText = """
            SELECT doc_id FROM snapshots WHERE doc_id GLOB $pattern
            UNION
            SELECT doc_id FROM updates WHERE doc_id GLOB $pattern
            ORDER BY doc_id;
            """;
        command.Parameters.AddWithValue("$pattern", GlobPrefixPattern(prefix));
        var ids = new List<string>();
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            ids.Add(reader.GetString(0));
        }

        return ids;
    }

    /// <summary>Size of the document's log since its snapshot (committed rows only).</summary>
    public Task<UpdateLogStats> GetLogStatsAsync(string docId, CancellationToken cancellationToken = default)
    {
        ValidateDocId(docId);
        return cancellationToken.IsCancellationRequested
            ? Task.FromCanceled<UpdateLogStats>(cancellationToken)
            : RunRead(() => LogStats(docId));
    }

    /// <summary>Size of every document's log together (for metrics).</summary>
    public Task<UpdateLogStats> GetLogTotalsAsync(CancellationToken cancellationToken = default) =>
        cancellationToken.IsCancellationRequested
            ? Task.FromCanceled<UpdateLogStats>(cancellationToken)
            : RunRead(LogTotals);

    private UpdateLogStats LogTotals()
    {
        using var connection = _database.OpenConnection();
        using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT count(*), coalesce(sum(length(u.data)), 0)
            FROM updates u LEFT JOIN snapshots s ON s.doc_id = u.doc_id
            WHERE u.id > coalesce(s.through_id, 0);
            """;
        using var reader = command.ExecuteReader();
        reader.Read();
        return new UpdateLogStats(reader.GetInt64(0), reader.GetInt64(1));
    }

    private UpdateLogStats LogStats(string docId)
    {
        using var connection = _database.OpenConnection();
        using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT count(*), coalesce(sum(length(data)), 0) FROM updates
            WHERE doc_id = $doc_id AND id > coalesce((SELECT through_id FROM snapshots WHERE doc_id = $doc_id), 0);
            """;
        command.Parameters.AddWithValue("$doc_id", docId);
        using var reader = command.ExecuteReader();
        reader.Read();
        return new UpdateLogStats(reader.GetInt64(0), reader.GetInt64(1));
    }

    /// <summary>Stops accepting writes, commits everything already queued, then closes the writer connection.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _queue.Writer.TryComplete();
        }

        await _writer.ConfigureAwait(false);
        _checkpointer.Dispose();
    }

    /// <summary>Same as <see cref="DisposeAsync"/>, blocking.</summary>
    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    internal static string GlobPrefixPattern(string prefix)
    {
        var pattern = new System.Text.StringBuilder(prefix.Length + 8);
        foreach (var c in prefix)
        {
            switch (c)
            {
                case '*':
                case '?':
                case '[':
                    pattern.Append('[').Append(c).Append(']');
                    break;
                default:
                    pattern.Append(c);
                    break;
            }
        }

        return pattern.Append('*').ToString();
    }

    /// <summary>Runs a read synchronously (SQLite reads are short and Microsoft.Data.Sqlite has no real async I/O); errors fault the task.</summary>
    private static Task<T> RunRead<T>(Func<T> read)
    {
        try
        {
            return Task.FromResult(read());
        }
        catch (Exception ex)
        {
            return Task.FromException<T>(ex);
        }
    }

    private static void ValidateDocId(string docId)
    {
        ArgumentException.ThrowIfNullOrEmpty(docId);
    }

    private void Enqueue(WriteOperation operation)
    {
        Interlocked.Increment(ref _pending);
        if (Volatile.Read(ref _disposed) != 0 || !_queue.Writer.TryWrite(operation))
        {
            Interlocked.Decrement(ref _pending);
            throw new ObjectDisposedException(nameof(SqliteDocumentStore));
        }
    }

    private async Task RunWriterAsync()
    {
        var reader = _queue.Reader;
        var batch = new List<WriteOperation>(Math.Min(_maxBatchSize, 4096));
        try
        {
            FindFoldedRows();
            while (true)
            {
                if (!reader.TryPeek(out _))
                {
                    // Nothing queued: purge folded-in rows, a chunk at a time, until something is.
                    while (PurgeDue && !reader.TryPeek(out _)) PurgeFolded(PurgeChunkRows);
                    if (!await WaitForWorkAsync(reader).ConfigureAwait(false)) break;
                    if (!reader.TryPeek(out _)) continue; // a purge became due
                }

                long bytes = 0;
                while (batch.Count < _maxBatchSize && bytes < MaxBatchBytes && reader.TryRead(out var operation))
                {
                    Interlocked.Decrement(ref _pending);
                    batch.Add(operation);
                    bytes += operation.Size;
                }

                CommitBatch(batch, bytes);
                // Busy: one chunk between batches, at least as many rows as the batch wrote, so purging keeps up.
                if (PurgeDue) PurgeFolded(Math.Max(PurgeChunkRows, batch.Count));
                batch.Clear();
            }
        }
        finally
        {
            DropWriter();
        }
    }

    private bool PurgeDue => _folded.Count > 0 && _time.GetElapsedTime(_foldedSince) >= _purgeDelay;

    /// <summary>
    /// Waits until something is queued (true) or the queue is completed and empty (false); also returns
    /// true, with nothing queued, when folded-in rows become due for purging meanwhile.
    /// </summary>
    private async ValueTask<bool> WaitForWorkAsync(ChannelReader<WriteOperation> reader)
    {
        if (_folded.Count == 0 && _waitingToRead is null) return await reader.WaitToReadAsync().ConfigureAwait(false);
        _waitingToRead ??= reader.WaitToReadAsync().AsTask();
        if (_folded.Count > 0)
        {
            // Due since the caller looked (a timer can fire a little early): purge now, not at the next write.
            var dueIn = _purgeDelay - _time.GetElapsedTime(_foldedSince);
            if (dueIn <= TimeSpan.Zero) return true;
            // One timer for the purge, however often the writer goes idle before it is due (a busy writer
            // does so a thousand times a second). One made for an earlier set of folds only wakes it early.
            _purgeTimer ??= Task.Delay(TimeSpan.FromMilliseconds(Math.Ceiling(dueIn.TotalMilliseconds)), _time);
            await Task.WhenAny(_waitingToRead, _purgeTimer).ConfigureAwait(false);
            if (_purgeTimer.IsCompleted) _purgeTimer = null;
            if (!_waitingToRead.IsCompleted) return true;
        }
        var more = await _waitingToRead.ConfigureAwait(false);
        _waitingToRead = null;
        return more;
    }

    /// <summary>Executes the batch in one transaction; completes every operation, or faults every one.</summary>
    private void CommitBatch(List<WriteOperation> batch, long bytes)
    {
        try
        {
            var writer = Writer;
            RestartWalIfWanted(writer);
            var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
            writer.Begin.Execute();
            foreach (var operation in batch)
            {
                operation.Execute(writer, now);
            }

            writer.Commit.Execute();

            Interlocked.Increment(ref _committedBatches);
            _checkpointer.Committed(batch.Count, bytes);
        }
        catch (Exception ex)
        {
            // Start from a fresh connection next time: this one may be the reason it failed.
            _writerConnection?.RollBack();
            DropWriter();
            _logger.LogError(ex, "Storage: committing {Count} queued writes failed; none of them was stored", batch.Count);
            foreach (var operation in batch)
            {
                operation.Fail(ex);
            }

            return;
        }

        foreach (var operation in batch)
        {
            if (operation is CompactOperation compaction) NoteFolded(compaction.DocId, compaction.FoldedThrough);
            operation.Complete();
        }
    }

    private WriterConnection Writer => _writerConnection ??= new WriterConnection(_database.OpenConnection(), _checkpointer);

    /// <summary>Closes the writer's connection (at the end, or after a failure it may have caused); the next write opens a fresh one.</summary>
    private void DropWriter()
    {
        _writerConnection?.Dispose();
        _writerConnection = null;
    }

    /// <summary>A snapshot of <paramref name="docId"/> now holds its rows up to <paramref name="through"/>: they are to be purged.</summary>
    private void NoteFolded(string docId, long through)
    {
        if (_folded.Count == 0) _foldedSince = _time.GetTimestamp();
        if (!_folded.TryGetValue(docId, out var known) || known < through) _folded[docId] = through;
    }

    /// <summary>Rows left behind by compactions (this server's last run stopped before purging them all).</summary>
    private void FindFoldedRows()
    {
        try
        {
            using var connection = _database.OpenConnection();
            using var command = connection.CreateCommand();
            command.CommandText = """
                SELECT doc_id, through_id FROM snapshots s
                WHERE through_id > 0 AND EXISTS (SELECT 1 FROM updates u WHERE u.doc_id = s.doc_id AND u.id <= s.through_id);
                """;
            using var reader = command.ExecuteReader();
            while (reader.Read()) NoteFolded(reader.GetString(0), reader.GetInt64(1));
            // Found at start: due at once.
            _foldedSince -= (long)(_purgeDelay.TotalSeconds * _time.TimestampFrequency);
        }
        catch (SqliteException ex)
        {
            // They stay hidden from readers either way; the next start looks again.
            _logger.LogWarning(ex, "Storage: looking for update rows that compactions folded in failed");
        }
    }

    /// <summary>
    /// Deletes up to <paramref name="maxRows"/> rows that snapshots folded in, the oldest of every document
    /// waiting for it (an equal share each), in one transaction of its own. A compaction only writes the
    /// snapshot (readers skip the rows it holds): deleting a thousand rows in the compaction's own commit
    /// held up every document's appends, and so their relays, for 20-30 ms.
    /// </summary>
    private void PurgeFolded(int maxRows)
    {
        var perDocument = Math.Max(1, maxRows / _folded.Count);
        List<string>? finished = null;
        try
        {
            var writer = Writer;
            var purge = writer.PurgeFolded;
            var deleted = 0;
            writer.Begin.Execute();
            foreach (var (docId, through) in _folded)
            {
                purge.Parameters[0].Value = docId;
                purge.Parameters[1].Value = through;
                purge.Parameters[2].Value = perDocument;
                var rows = purge.ExecuteNonQuery();
                deleted += rows;
                if (rows < perDocument) (finished ??= []).Add(docId);
            }
            writer.Commit.Execute();
            _checkpointer.Committed(deleted, 0);
            foreach (var docId in finished ?? []) _folded.Remove(docId);
        }
        catch (Exception ex)
        {
            // Harmless to leave (readers skip them); the next start finds them again.
            _writerConnection?.RollBack();
            DropWriter();
            _logger.LogWarning(ex, "Storage: purging the update rows folded into the snapshots of {Documents} documents failed", _folded.Count);
            _folded.Clear();
        }
    }

    private void RestartWalIfWanted(WriterConnection writer)
    {
        if (!_checkpointer.RestartWanted) return;
        try
        {
            _checkpointer.Restart(writer.Connection);
        }
        catch (SqliteException ex)
        {
            // The batch goes on regardless: a long WAL costs disk space, not data.
            _logger.LogWarning(ex, "Storage: restarting the WAL failed; retrying after the next checkpoint");
        }
    }

    /// <summary>The writer's connection and its prepared statements.</summary>
    private sealed class WriterConnection : IDisposable
    {
        public WriterConnection(SqliteConnection connection, WalCheckpointer checkpointer)
        {
            Connection = connection;
            try
            {
                checkpointer.TakeOverCheckpoints(connection);
                // The batches' BEGIN and COMMIT run as often as their inserts; their own statements
                // spare a Microsoft.Data.Sqlite transaction two commands per batch.
                Begin = new SqliteStatement(connection, "BEGIN IMMEDIATE;");
                Commit = new SqliteStatement(connection, "COMMIT;");
                // Ids count per document, past every row its snapshot holds (even purged ones): see SchemaMigrations.
                Insert = new SqliteStatement(connection,
                    "INSERT INTO updates (doc_id, id, data, user_id, device_id, guest_id, created_at) VALUES (?1, " +
                    "max(coalesce((SELECT max(id) FROM updates WHERE doc_id = ?1), 0), coalesce((SELECT through_id FROM snapshots WHERE doc_id = ?1), 0)) + 1, " +
                    "?2, ?3, ?4, ?5, ?6) RETURNING id;");
                // Operations run in queue order, so the snapshot holds every row of its document there is now;
                // through_id never decreases (rows it held may be waiting for their purge).
                UpsertSnapshot = Prepare(
                    "INSERT INTO snapshots (doc_id, state, updated_at, through_id) " +
                    "VALUES ($doc_id, $state, $updated_at, coalesce((SELECT max(id) FROM updates WHERE doc_id = $doc_id), 0)) " +
                    "ON CONFLICT (doc_id) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at, " +
                    "through_id = max(excluded.through_id, snapshots.through_id) " +
                    "RETURNING through_id;",
                    ("$doc_id", SqliteType.Text), ("$state", SqliteType.Blob), ("$updated_at", SqliteType.Integer));
                DeleteSnapshot = Prepare(
                    "DELETE FROM snapshots WHERE doc_id = $doc_id;",
                    ("$doc_id", SqliteType.Text));
                DeleteUpdates = Prepare(
                    "DELETE FROM updates WHERE doc_id = $doc_id;",
                    ("$doc_id", SqliteType.Text));
                // Bounded by the snapshot as it is now, too: if the document was deleted since (or by another
                // process), its new rows may have ids up to $through again.
                PurgeFolded = Prepare(
                    "DELETE FROM updates WHERE doc_id = $doc_id AND id IN (SELECT id FROM updates WHERE doc_id = $doc_id " +
                    "AND id <= min($through, coalesce((SELECT through_id FROM snapshots WHERE doc_id = $doc_id), 0)) ORDER BY id LIMIT $limit);",
                    ("$doc_id", SqliteType.Text), ("$through", SqliteType.Integer), ("$limit", SqliteType.Integer));
            }
            catch
            {
                Dispose();
                throw;
            }
        }

        public SqliteConnection Connection { get; }

        public SqliteStatement Begin { get; }

        public SqliteStatement Commit { get; }

        /// <summary>Runs once per logged update, so it is a <see cref="SqliteStatement"/>, not a command.</summary>
        public SqliteStatement Insert { get; }

        public SqliteCommand UpsertSnapshot { get; }

        public SqliteCommand DeleteSnapshot { get; }

        public SqliteCommand DeleteUpdates { get; }

        /// <summary>Runs outside the batches' transactions.</summary>
        public SqliteCommand PurgeFolded { get; }

        /// <summary>Rolls back the transaction that is open, if one is (before the connection goes back to the pool).</summary>
        public void RollBack()
        {
            if (raw.sqlite3_get_autocommit(Connection.Handle) == 0) raw.sqlite3_exec(Connection.Handle, "ROLLBACK;");
        }

        public void Dispose()
        {
            Begin?.Dispose();
            Commit?.Dispose();
            Insert?.Dispose();
            UpsertSnapshot?.Dispose();
            DeleteSnapshot?.Dispose();
            DeleteUpdates?.Dispose();
            PurgeFolded?.Dispose();
            Connection.Dispose();
        }

        private SqliteCommand Prepare(string sql, params (string Name, SqliteType Type)[] parameters)
        {
            var command = Connection.CreateCommand();
            command.CommandText = sql;
            foreach (var (name, type) in parameters)
            {
                command.Parameters.Add(name, type);
            }

            return command;
        }
    }

    private abstract class WriteOperation
    {
        /// <summary>Approximate bytes this operation writes (bounds the size of a batch).</summary>
        public abstract long Size { get; }

        public abstract void Execute(WriterConnection writer, long nowMilliseconds);

        public abstract void Complete();

        public abstract void Fail(Exception exception);
    }

    private sealed class AppendOperation(string docId, byte[] data, UpdateAuthor author) : WriteOperation
    {
        private long _id;

        public TaskCompletionSource<long> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override long Size => data.Length + docId.Length + 64;

        public override void Execute(WriterConnection writer, long nowMilliseconds)
        {
            var insert = writer.Insert;
            insert.BindText(1, docId);
            insert.BindBlob(2, data);
            insert.BindText(3, author.UserId);
            insert.BindText(4, author.DeviceId);
            insert.BindText(5, author.GuestId);
            insert.BindInt64(6, nowMilliseconds);
            _id = insert.ExecuteScalarInt64();
        }

        public override void Complete() => Completion.TrySetResult(_id);

        public override void Fail(Exception exception) => Completion.TrySetException(exception);
    }

    /// <summary>
    /// The snapshot replaces the whole log: operations run in queue order, so the log holds exactly the
    /// appends queued before it, and every row there is now is folded in (readers skip them from the
    /// commit on; <see cref="PurgeFolded"/> deletes them later).
    /// </summary>
    private sealed class CompactOperation(string docId, byte[] snapshot) : WriteOperation
    {
        public TaskCompletionSource Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public string DocId => docId;

        /// <summary>The newest row id the snapshot holds (once executed).</summary>
        public long FoldedThrough { get; private set; }

        public override long Size => snapshot.Length + docId.Length + 64;

        public override void Execute(WriterConnection writer, long nowMilliseconds)
        {
            var upsert = writer.UpsertSnapshot.Parameters;
            upsert[0].Value = docId;
            upsert[1].Value = snapshot;
            upsert[2].Value = nowMilliseconds;
            FoldedThrough = (long)writer.UpsertSnapshot.ExecuteScalar()!;
        }

        public override void Complete() => Completion.TrySetResult();

        public override void Fail(Exception exception) => Completion.TrySetException(exception);
    }

    private sealed class DeleteOperation(string docId) : WriteOperation
    {
        public TaskCompletionSource Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override long Size => docId.Length + 64;

        public override void Execute(WriterConnection writer, long nowMilliseconds)
        {
            writer.DeleteSnapshot.Parameters[0].Value = docId;
            writer.DeleteSnapshot.ExecuteNonQuery();
            writer.DeleteUpdates.Parameters[0].Value = docId;
            writer.DeleteUpdates.ExecuteNonQuery();
        }

        public override void Complete() => Completion.TrySetResult();

        public override void Fail(Exception exception) => Completion.TrySetException(exception);
    }
}
