using Diaryx.Sync.Lite.Documents;
using Diaryx.Sync.Lite.Storage;

namespace Diaryx.Sync.Lite.Tests.Storage;

public sealed class SqliteDatabaseTests
{
    [Fact]
    public void New_file_is_created_in_WAL_mode_at_the_latest_schema_version()
    {
        using var dir = new StorageTestDirectory();
        var nested = Path.Combine(dir.Path, "a", "b", "sync.db");
        using (var db = new SqliteDatabase(nested))
        {
            Assert.Equal(SqliteDatabase.LatestSchemaVersion, db.SchemaVersion);
            Assert.Equal(Path.GetFullPath(nested), db.FilePath);
        }

        using var raw = dir.OpenRawConnection(nested);
        Assert.Equal("wal", raw.Scalar("PRAGMA journal_mode;"));
        Assert.Equal((long)SqliteDatabase.LatestSchemaVersion, raw.Scalar("PRAGMA user_version;"));
        foreach (var table in new[] { "users", "devices", "magic_tokens", "auth_sessions", "user_workspaces", "share_sessions", "snapshots", "updates" })
        {
            Assert.Equal(1L, raw.Scalar("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = $name;", ("$name", table)));
        }
    }

    [Fact]
    public void Every_connection_has_foreign_keys_synchronous_normal_and_a_busy_timeout()
    {
        using var dir = new StorageTestDirectory();
        using var db = new SqliteDatabase(dir.DbPath);
        for (var i = 0; i < 3; i++)
        {
            // Pooled connections come back too: the pragmas must hold on each.
            using var connection = db.OpenConnection();
            Assert.Equal(1L, connection.Scalar("PRAGMA foreign_keys;"));
            Assert.Equal(1L, connection.Scalar("PRAGMA synchronous;")); // NORMAL
            Assert.Equal((long)SqliteDatabase.BusyTimeoutMilliseconds, connection.Scalar("PRAGMA busy_timeout;"));
            Assert.Equal("wal", connection.Scalar("PRAGMA journal_mode;"));
        }
    }

    [Fact]
    public async Task Older_schema_is_upgraded_on_open_and_its_data_kept()
    {
        using var dir = new StorageTestDirectory();

        // A file as the first release wrote it: only migration 1 (accounts).
        using (var v1 = new SqliteDatabase(dir.DbPath, SchemaMigrations.All.Take(1).ToList()))
        {
            Assert.Equal(1, v1.SchemaVersion);
            using var connection = v1.OpenConnection();
            connection.Execute("INSERT INTO users (id, email, created_at) VALUES ('u1', 'old@example.com', 1);");
            connection.Execute("INSERT INTO user_workspaces (id, user_id, name, created_at) VALUES ('w1', 'u1', 'default', 1);");
            Assert.Equal(0L, connection.Scalar("SELECT count(*) FROM sqlite_master WHERE name = 'updates';"));
        }

        using var db = new SqliteDatabase(dir.DbPath);
        Assert.Equal(SqliteDatabase.LatestSchemaVersion, db.SchemaVersion);
        Assert.True(db.SchemaVersion > 1);

        var accounts = new SqliteAccountStore(db);
        Assert.Equal("w1", await accounts.ResolveOwnedWorkspaceAsync("u1", "default"));
        Assert.Equal("old@example.com", (await accounts.GetUserAsync("u1"))?.Email);

        await using var documents = new SqliteDocumentStore(db);
        var id = await documents.AppendAsync("workspace:w1", [1, 2, 3], UpdateAuthor.Server);
        Assert.Equal([1, 2, 3], Assert.Single((await documents.LoadAsync("workspace:w1")).Updates).Data);
        Assert.True(id > 0);

        // Opening again is a no-op.
        using var again = new SqliteDatabase(dir.DbPath);
        Assert.Equal(SqliteDatabase.LatestSchemaVersion, again.SchemaVersion);
    }

    [Fact]
    public void A_failing_migration_leaves_the_file_at_its_old_version()
    {
        using var dir = new StorageTestDirectory();
        using (new SqliteDatabase(dir.DbPath, SchemaMigrations.All.Take(1).ToList()))
        {
        }

        var broken = SchemaMigrations.All.Take(1)
            .Append(new SchemaMigration(2, "creates a table, then fails", "CREATE TABLE half_done (x); SELECT * FROM no_such_table;"))
            .ToList();
        var error = Assert.Throws<StorageException>(() => new SqliteDatabase(dir.DbPath, broken));
        Assert.Contains("migration 2", error.Message);

        using var raw = dir.OpenRawConnection();
        Assert.Equal(1L, raw.Scalar("PRAGMA user_version;"));
        Assert.Equal(0L, raw.Scalar("SELECT count(*) FROM sqlite_master WHERE name = 'half_done';"));
    }

    [Fact]
    public void A_newer_schema_version_is_refused_with_a_clear_error()
    {
        using var dir = new StorageTestDirectory();
        using (new SqliteDatabase(dir.DbPath))
        {
        }

        using (var raw = dir.OpenRawConnection())
        {
            raw.Execute("PRAGMA user_version = 99;");
        }

        var error = Assert.Throws<StorageException>(() => new SqliteDatabase(dir.DbPath));
        Assert.Contains("schema version 99", error.Message);
        Assert.Contains("newer", error.Message);
        Assert.Contains(dir.DbPath, error.Message);

        using (var raw = dir.OpenRawConnection())
        {
            Assert.Equal(99L, raw.Scalar("PRAGMA user_version;"));
        }
    }

    [Fact]
    public void A_file_that_is_not_SQLite_is_refused_with_a_clear_error()
    {
        using var dir = new StorageTestDirectory();
        File.WriteAllText(dir.DbPath, new string('x', 4096));
        var error = Assert.Throws<StorageException>(() => new SqliteDatabase(dir.DbPath));
        Assert.Contains(dir.DbPath, error.Message);
        Assert.Contains("not a database", error.Message);
    }
}
