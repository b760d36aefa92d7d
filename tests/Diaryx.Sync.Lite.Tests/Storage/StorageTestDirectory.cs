using Diaryx.Sync.Lite.Storage;
using Microsoft.Data.Sqlite;

namespace Diaryx.Sync.Lite.Tests.Storage;

/// <summary>A fresh temporary directory for one test's SQLite file; deleted on dispose.</summary>
internal sealed class StorageTestDirectory : IDisposable
{
    public StorageTestDirectory()
    {
        Path = Directory.CreateTempSubdirectory("diaryx-storage-test-").FullName;
    }

    public string Path { get; }

    /// <summary>The database file used by most tests.</summary>
    public string DbPath => System.IO.Path.Combine(Path, "diaryx_sync.db");

    /// <summary>
    /// A plain, unpooled connection to <paramref name="path"/> (default <see cref="DbPath"/>) that
    /// bypasses the code under test: what "a fresh connection" sees.
    /// </summary>
    public SqliteConnection OpenRawConnection(string? path = null, bool readOnly = false)
    {
        SqliteDatabase.EnsureSqliteInitialized();
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = path ?? DbPath,
            Mode = readOnly ? SqliteOpenMode.ReadOnly : SqliteOpenMode.ReadWriteCreate,
            Pooling = false,
        }.ToString());
        connection.Open();
        return connection;
    }

    /// <summary>Every byte SQLite keeps for the file (main file, WAL and shared-memory index).</summary>
    public byte[] ReadAllDatabaseBytes()
    {
        using var all = new MemoryStream();
        foreach (var suffix in new[] { "", "-wal", "-shm", "-journal" })
        {
            var file = DbPath + suffix;
            if (File.Exists(file))
            {
                using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
                stream.CopyTo(all);
            }
        }

        return all.ToArray();
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}

/// <summary>A clock the test moves by hand.</summary>
internal sealed class ManualTimeProvider(DateTimeOffset start) : TimeProvider
{
    public DateTimeOffset Now { get; set; } = start;

    public override DateTimeOffset GetUtcNow() => Now;

    // Elapsed time follows the hand-moved clock too.
    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public override long GetTimestamp() => Now.UtcTicks;

    public void Advance(TimeSpan by) => Now += by;
}

internal static class SqliteTestExtensions
{
    public static object? Scalar(this SqliteConnection connection, string sql, params (string Name, object? Value)[] parameters)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }

        var result = command.ExecuteScalar();
        return result is DBNull ? null : result;
    }

    public static int Execute(this SqliteConnection connection, string sql, params (string Name, object? Value)[] parameters)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }

        return command.ExecuteNonQuery();
    }
}
