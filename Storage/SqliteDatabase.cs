using Microsoft.Data.Sqlite;

namespace Diaryx.Sync.Lite.Storage;

/// <summary>
/// The server's one SQLite file (accounts, update log, snapshots). Opening it switches the file to
/// WAL and brings its schema up to date (<see cref="SchemaMigrations"/>); every connection handed out
/// by <see cref="OpenConnection"/> has <c>foreign_keys=ON</c>, <c>synchronous=NORMAL</c> (in WAL mode
/// a committed transaction survives a process crash; only an OS crash or power loss can lose the last
/// ones) and a busy timeout. Connections are pooled; disposing closes the idle ones, which lets SQLite
/// checkpoint and remove the WAL file.
/// </summary>
public sealed class SqliteDatabase : IDisposable
{
    /// <summary>How long a connection waits for another writer's lock before failing with SQLITE_BUSY.</summary>
    public const int BusyTimeoutMilliseconds = 10_000;

    private const string ConnectionPragmas =
        "PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 10000;";

    private static readonly Lock InitLock = new();
    private static bool _sqliteInitialized;

    private readonly string _connectionString;
    private int _disposed;

    /// <summary>Opens (creating if needed) the database file at <paramref name="path"/> and migrates it to the latest schema.</summary>
    /// <exception cref="StorageException">The file is not usable (not SQLite, newer schema, migration failure).</exception>
    public SqliteDatabase(string path)
        : this(path, SchemaMigrations.All)
    {
    }

    /// <summary>Opens the file and applies <paramref name="migrations"/> (tests use a prefix of the real list to make old files).</summary>
    internal SqliteDatabase(string path, IReadOnlyList<SchemaMigration> migrations)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        EnsureSqliteInitialized();

        FilePath = Path.GetFullPath(path);
        var directory = Path.GetDirectoryName(FilePath);
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory);
        }

        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = FilePath,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Cache = SqliteCacheMode.Private,
            Pooling = true,
            DefaultTimeout = BusyTimeoutMilliseconds / 1000,
        }.ToString();

        try
        {
            using var connection = OpenConnection();
            EnableWal(connection);
            SchemaVersion = Migrate(connection, migrations, FilePath);
        }
        catch (SqliteException ex)
        {
            ClearPool();
            throw new StorageException($"cannot open database '{FilePath}': {ex.Message}", ex);
        }
        catch
        {
            ClearPool();
            throw;
        }
    }

    /// <summary>The schema version this build writes (the number of known migrations).</summary>
    public static int LatestSchemaVersion => SchemaMigrations.All.Count;

    /// <summary>Absolute path of the database file.</summary>
    public string FilePath { get; }

    /// <summary>The file's schema version after opening (its <c>PRAGMA user_version</c>).</summary>
    public int SchemaVersion { get; }

    /// <summary>An open connection with the per-connection pragmas applied. The caller disposes it.</summary>
    public SqliteConnection OpenConnection()
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        var connection = new SqliteConnection(_connectionString);
        try
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = ConnectionPragmas;
            command.ExecuteNonQuery();
            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>Closes the pooled idle connections of this file. Connections still in use close when disposed.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            ClearPool();
        }
    }

    /// <summary>Registers the SQLite provider (e_sqlite3: the bundled library, or the statically linked one in a native build).</summary>
    internal static void EnsureSqliteInitialized()
    {
        lock (InitLock)
        {
            if (!_sqliteInitialized)
            {
                SQLitePCL.Batteries_V2.Init();
                _sqliteInitialized = true;
            }
        }
    }

    private void ClearPool()
    {
        using var connection = new SqliteConnection(_connectionString);
        SqliteConnection.ClearPool(connection);
    }

    private static void EnableWal(SqliteConnection connection)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode = WAL;";
        var mode = command.ExecuteScalar() as string;
        if (!string.Equals(mode, "wal", StringComparison.OrdinalIgnoreCase))
        {
            throw new StorageException($"cannot switch '{connection.DataSource}' to WAL journal mode (got '{mode}')");
        }
    }

    /// <summary>
    /// Applies the migrations the file lacks, in order, in one IMMEDIATE transaction (so two processes
    /// opening the same file at once cannot both migrate it). Returns the resulting version.
    /// </summary>
    internal static int Migrate(SqliteConnection connection, IReadOnlyList<SchemaMigration> migrations, string filePath)
    {
        for (var i = 0; i < migrations.Count; i++)
        {
            if (migrations[i].Version != i + 1)
            {
                throw new InvalidOperationException($"schema migration #{i} has version {migrations[i].Version}, expected {i + 1}");
            }
        }

        using var transaction = connection.BeginTransaction(deferred: false);
        var current = ReadUserVersion(connection, transaction);
        var latest = migrations.Count;
        if (current > latest)
        {
            throw new StorageException(
                $"database '{filePath}' has schema version {current}, newer than this diaryx-sync-lite supports ({latest}); " +
                "use a newer diaryx-sync-lite or another --db file");
        }

        if (current < 0)
        {
            throw new StorageException($"database '{filePath}' has an invalid schema version {current}");
        }

        if (current == latest)
        {
            transaction.Commit();
            return current;
        }

        for (var version = current + 1; version <= latest; version++)
        {
            var migration = migrations[version - 1];
            try
            {
                using var command = connection.CreateCommand();
                command.Transaction = transaction;
                command.CommandText = migration.Sql;
                command.ExecuteNonQuery();
            }
            catch (SqliteException ex)
            {
                throw new StorageException(
                    $"database '{filePath}': migration {version} ({migration.Description}) failed: {ex.Message}", ex);
            }
        }

        using (var command = connection.CreateCommand())
        {
            command.Transaction = transaction;
            // PRAGMA takes no parameters; latest is an int we computed.
            command.CommandText = $"PRAGMA user_version = {latest};";
            command.ExecuteNonQuery();
        }

        transaction.Commit();
        return latest;
    }

    private static int ReadUserVersion(SqliteConnection connection, SqliteTransaction transaction)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "PRAGMA user_version;";
        return Convert.ToInt32(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }
}
