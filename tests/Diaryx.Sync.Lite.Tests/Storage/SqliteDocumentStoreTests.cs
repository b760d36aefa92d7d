using System.Buffers.Binary;
using System.Diagnostics;
using Diaryx.Sync.Lite.Documents;
using Diaryx.Sync.Lite.Storage;
using Microsoft.Data.Sqlite;
using Xunit.Abstractions;

namespace Diaryx.Sync.Lite.Tests.Storage;

public sealed class SqliteDocumentStoreTests(ITestOutputHelper output)
{
    private static readonly UpdateAuthor Alice = new("user-a", "device-a", null);

    [Fact]
    public async Task Append_then_load_returns_the_updates_in_order_with_their_ids()
    {
        using var dir = new StorageTestDirectory();
        using var db = new SqliteDatabase(dir.DbPath);
        await using var store = new SqliteDocumentStore(db);

        Assert.Same(StoredDocument.Empty, await store.LoadAsync("body:w/a.md"));

        var id1 = await store.AppendAsync("body:w/a.md", [1], Alice);
        var id2 = await store.AppendAsync("body:w/b.md", [2], UpdateAuthor.Server);
        var id3 = await store.AppendAsync("body:w/a.md", [3, 3], new UpdateAuthor(null, null, "guest:g1"));
        Assert.Equal([1L, 1L, 2L], [id1, id2, id3]); // counted per document

        var a = await store.LoadAsync("body:w/a.md");
        Assert.Null(a.Snapshot);
        Assert.Equal([id1, id3], a.Updates.Select(u => u.Id));
        Assert.Equal([1], a.Updates[0].Data);
        Assert.Equal([3, 3], a.Updates[1].Data);

        using var raw = dir.OpenRawConnection();
        const string A = "doc_id = 'body:w/a.md'";
        Assert.Equal("user-a", raw.Scalar($"SELECT user_id FROM updates WHERE {A} AND id = $id;", ("$id", id1)));
        Assert.Equal("device-a", raw.Scalar($"SELECT device_id FROM updates WHERE {A} AND id = $id;", ("$id", id1)));
        Assert.Null(raw.Scalar($"SELECT guest_id FROM updates WHERE {A} AND id = $id;", ("$id", id1)));
        Assert.Equal("guest:g1", raw.Scalar($"SELECT guest_id FROM updates WHERE {A} AND id = $id;", ("$id", id3)));
        Assert.Null(raw.Scalar("SELECT user_id FROM updates WHERE doc_id = 'body:w/b.md' AND id = $id;", ("$id", id2)));
        var createdAt = (long)raw.Scalar($"SELECT created_at FROM updates WHERE {A} AND id = $id;", ("$id", id1))!;
        Assert.InRange(DateTimeOffset.FromUnixTimeMilliseconds(createdAt), DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddMinutes(1));

        // Empty and large payloads round-trip byte for byte.
        var large = new byte[3 * 1024 * 1024];
        new Random(7).NextBytes(large);
        var emptyId = await store.AppendAsync("body:w/c.md", [], Alice);
        var largeId = await store.AppendAsync("body:w/c.md", large, Alice);
        await store.CompactAsync("body:w/d.md", large);
        var c = await store.LoadAsync("body:w/c.md");
        Assert.Equal([emptyId, largeId], c.Updates.Select(u => u.Id));
        Assert.Empty(c.Updates[0].Data);
        Assert.Equal(large, c.Updates[1].Data);
        Assert.Equal(large, (await store.LoadAsync("body:w/d.md")).Snapshot);
    }

    [Fact]
    public async Task Texts_are_stored_as_given_in_any_script_and_at_any_length()
    {
        using var dir = new StorageTestDirectory();
        using var db = new SqliteDatabase(dir.DbPath);
        await using var store = new SqliteDocumentStore(db);
        var docId = "body:w/日記/été 😀.md";
        var longId = "body:w/" + new string('é', 2000) + ".md"; // 4,000 UTF-8 bytes
        var author = new UpdateAuthor("ユーザー", new string('d', 5000), null);

        var id = await store.AppendAsync(docId, [1], author);
        var longRowId = await store.AppendAsync(longId, [2], author);

        Assert.Equal([id], (await store.LoadAsync(docId)).Updates.Select(u => u.Id));
        Assert.Equal([longRowId], (await store.LoadAsync(longId)).Updates.Select(u => u.Id));
        using var raw = dir.OpenRawConnection();
        Assert.Equal(docId, raw.Scalar("SELECT doc_id FROM updates WHERE doc_id = $doc AND id = $id;", ("$doc", docId), ("$id", id)));
        Assert.Equal(longId, raw.Scalar("SELECT doc_id FROM updates WHERE doc_id = $doc AND id = $id;", ("$doc", longId), ("$id", longRowId)));
        Assert.Equal("ユーザー", raw.Scalar("SELECT user_id FROM updates WHERE doc_id = $doc AND id = $id;", ("$doc", docId), ("$id", id)));
        Assert.Equal(author.DeviceId, raw.Scalar("SELECT device_id FROM updates WHERE doc_id = $doc AND id = $id;", ("$doc", longId), ("$id", longRowId)));
    }

    [Fact]
    public async Task Compaction_replaces_the_snapshot_and_drops_the_log_appended_before_it()
    {
        using var dir = new StorageTestDirectory();
        using var db = new SqliteDatabase(dir.DbPath);
        await using var store = new SqliteDocumentStore(db);

        for (byte i = 0; i < 5; i++)
        {
            await store.AppendAsync("workspace:w", [i], Alice);
        }

        var other = await store.AppendAsync("workspace:other", [9], Alice);

        await store.CompactAsync("workspace:w", [100]);
        var doc = await store.LoadAsync("workspace:w");
        Assert.Equal([100], doc.Snapshot);
        Assert.Empty(doc.Updates);
        Assert.Equal(new UpdateLogStats(0, 0), await store.GetLogStatsAsync("workspace:w"));

        // A second compaction replaces the snapshot; the other document is untouched.
        var later = await store.AppendAsync("workspace:w", [5], Alice);
        Assert.Equal(new UpdateLogStats(1, 1), await store.GetLogStatsAsync("workspace:w"));
        await store.CompactAsync("workspace:w", [101]);
        doc = await store.LoadAsync("workspace:w");
        Assert.Equal([101], doc.Snapshot);
        Assert.Empty(doc.Updates);
        Assert.Equal([other], (await store.LoadAsync("workspace:other")).Updates.Select(u => u.Id));

        // Ids keep growing after the log was emptied: past the rows the snapshot holds, purged or not.
        var next = await store.AppendAsync("workspace:w", [6], Alice);
        Assert.True(next > later);
        doc = await store.LoadAsync("workspace:w");
        Assert.Equal([101], doc.Snapshot);
        Assert.Equal([next], doc.Updates.Select(u => u.Id));
    }

    [Fact]
    public async Task A_compaction_commits_the_snapshot_alone_and_the_rows_it_holds_are_purged_after_it()
    {
        using var dir = new StorageTestDirectory();
        using var db = new SqliteDatabase(dir.DbPath);
        var store = new SqliteDocumentStore(db);
        for (byte i = 0; i < 200; i++) await store.AppendAsync(i % 2 == 0 ? "d" : "other", [i], Alice);

        // Deleting fails while this trigger exists: a compaction that deleted in its own commit would fail whole.
        using var raw = dir.OpenRawConnection();
        raw.Execute("CREATE TRIGGER keep_rows BEFORE DELETE ON updates BEGIN SELECT RAISE(ABORT, 'no deletes'); END;");
        await store.CompactAsync("d", [0xC0]);
        var after = await store.AppendAsync("d", [1], Alice);

        // The 100 rows the snapshot holds are still in the file, and no reader sees them.
        Assert.Equal(101L, raw.Scalar("SELECT count(*) FROM updates WHERE doc_id = 'd';"));
        var doc = await store.LoadAsync("d");
        Assert.Equal([0xC0], doc.Snapshot);
        Assert.Equal([after], doc.Updates.Select(u => u.Id));
        Assert.Equal(new UpdateLogStats(1, 1), await store.GetLogStatsAsync("d"));
        Assert.Equal(new UpdateLogStats(101, 101), await store.GetLogTotalsAsync());
        Assert.Equal(["d", "other"], await store.ListAsync(""));
        await store.DisposeAsync();

        // The next start finds them and purges them, and only them.
        raw.Execute("DROP TRIGGER keep_rows;");
        await using var restarted = new SqliteDocumentStore(db);
        await WaitUntilAsync(() => (long)raw.Scalar("SELECT count(*) FROM updates WHERE doc_id = 'd';")! == 1);
        Assert.Equal(100L, raw.Scalar("SELECT count(*) FROM updates WHERE doc_id = 'other';"));
        Assert.Equal([after], (await restarted.LoadAsync("d")).Updates.Select(u => u.Id));
    }

    /// <summary>Writes a file at an older schema version (its first <paramref name="migrations"/> migrations) with what <paramref name="sql"/> inserts.</summary>
    private static void WriteOldFile(StorageTestDirectory dir, int migrations, string sql)
    {
        using (new SqliteDatabase(dir.DbPath, SchemaMigrations.All.Take(migrations).ToList()))
        using (var old = dir.OpenRawConnection())
        {
            old.Execute(sql);
        }
    }

    [Fact]
    public async Task A_file_from_before_snapshots_noted_their_rows_loads_its_snapshot_and_whole_log()
    {
        using var dir = new StorageTestDirectory();
        // Compactions then deleted the rows they folded in: what is left came after the snapshot.
        WriteOldFile(dir, migrations: 2, """
            INSERT INTO snapshots (doc_id, state, updated_at) VALUES ('d', x'C0', 1);
            INSERT INTO updates (doc_id, data, created_at) VALUES ('d', x'01', 2), ('d', x'02', 3);
            """);

        using var db = new SqliteDatabase(dir.DbPath);
        await using var store = new SqliteDocumentStore(db);
        var doc = await store.LoadAsync("d");
        Assert.Equal([0xC0], doc.Snapshot);
        Assert.Equal([[1], [2]], doc.Updates.Select(u => u.Data));
        Assert.Equal(2, (await store.GetLogStatsAsync("d")).Count);
    }

    [Fact]
    public async Task A_file_from_before_the_log_was_clustered_by_document_keeps_its_rows_ids_and_snapshots()
    {
        using var dir = new StorageTestDirectory();
        // Global AUTOINCREMENT ids, documents interleaved; d's snapshot holds its rows up to id 3.
        WriteOldFile(dir, migrations: 3, """
            INSERT INTO updates (doc_id, data, user_id, created_at) VALUES
                ('d', x'01', 'u', 1), ('e', x'02', NULL, 2), ('d', x'03', NULL, 3), ('d', x'04', NULL, 4), ('e', x'05', NULL, 5);
            INSERT INTO snapshots (doc_id, state, updated_at, through_id) VALUES ('d', x'C0', 1, 3);
            """);

        using var db = new SqliteDatabase(dir.DbPath);
        using (var raw = dir.OpenRawConnection(readOnly: true))
        {
            Assert.Contains("WITHOUT ROWID", (string)raw.Scalar("SELECT sql FROM sqlite_master WHERE name = 'updates';")!);
            Assert.Equal("u", raw.Scalar("SELECT user_id FROM updates WHERE doc_id = 'd' AND id = 1;"));
        }
        await using var store = new SqliteDocumentStore(db);
        var d = await store.LoadAsync("d");
        Assert.Equal([0xC0], d.Snapshot);
        Assert.Equal([4L], d.Updates.Select(u => u.Id));
        Assert.Equal([[2], [5]], (await store.LoadAsync("e")).Updates.Select(u => u.Data));

        // New rows come after each document's own.
        Assert.Equal(5, await store.AppendAsync("d", [6], Alice));
        Assert.Equal(6, await store.AppendAsync("e", [7], Alice));
        Assert.Equal([[4], [6]], (await store.LoadAsync("d")).Updates.Select(u => u.Data));
    }

    [Fact]
    public async Task Once_the_rows_a_snapshot_holds_are_purged_new_rows_still_get_ids_past_them()
    {
        using var dir = new StorageTestDirectory();
        using var db = new SqliteDatabase(dir.DbPath);
        await using var store = new SqliteDocumentStore(db, purgeDelay: TimeSpan.FromMilliseconds(50));
        using var raw = dir.OpenRawConnection(readOnly: true);
        for (var i = 0; i < 10; i++) await store.AppendAsync("d", [1], Alice);
        await store.CompactAsync("d", [0xC0]);
        await WaitUntilAsync(() => (long)raw.Scalar("SELECT count(*) FROM updates;")! == 0);

        // An empty log again, compacted again: the snapshot still holds rows up to 10, so a new row is 11
        // (a row 1 would be taken for one the snapshot holds, and skipped by every reader).
        await store.CompactAsync("d", [0xC1]);
        Assert.Equal(10L, raw.Scalar("SELECT through_id FROM snapshots WHERE doc_id = 'd';"));
        Assert.Equal(11, await store.AppendAsync("d", [2], Alice));
        var doc = await store.LoadAsync("d");
        Assert.Equal([0xC1], doc.Snapshot);
        Assert.Equal([[2]], doc.Updates.Select(u => u.Data));
    }

    [Fact]
    public async Task A_purge_due_for_a_document_deleted_since_spares_its_new_rows()
    {
        using var dir = new StorageTestDirectory();
        using var db = new SqliteDatabase(dir.DbPath);
        var clock = new ManualTimeProvider(DateTimeOffset.UnixEpoch);
        await using var store = new SqliteDocumentStore(db, timeProvider: clock, purgeDelay: TimeSpan.FromMinutes(1));
        for (var i = 0; i < 10; i++) await store.AppendAsync("d", [1], Alice);
        await store.CompactAsync("d", [0xC0]); // rows up to 10 are to be purged in a minute

        // Deleted and written again meanwhile: ids start over at 1.
        await store.DeleteAsync("d");
        for (byte i = 1; i <= 3; i++) Assert.Equal(i, await store.AppendAsync("d", [i], Alice));
        clock.Advance(TimeSpan.FromMinutes(1));
        await store.AppendAsync("other", [9], Alice); // the purge runs after this batch
        await store.DisposeAsync();

        await using var reopened = new SqliteDocumentStore(db);
        Assert.Equal([[1], [2], [3]], (await reopened.LoadAsync("d")).Updates.Select(u => u.Data));
    }

    [Fact]
    public async Task A_commit_of_one_small_append_writes_about_one_page_of_WAL()
    {
        using var dir = new StorageTestDirectory();
        using var db = new SqliteDatabase(dir.DbPath);
        await using var store = new SqliteDocumentStore(db);
        for (var i = 0; i < 50; i++) await store.AppendAsync($"body:w/{i}.md", new byte[50], Alice); // every document has a page
        var walBefore = new FileInfo(dir.DbPath + "-wal").Length;
        var batchesBefore = store.CommittedBatches;

        for (var i = 0; i < 400; i++) await store.AppendAsync($"body:w/{i * 7 % 50}.md", new byte[50], Alice);

        // A WAL frame is a page and its 24-byte header. Each commit rewrote its document's page, plus the
        // pages of the splits as documents grow (577 frames here); the log ordered by arrival, with an
        // index on (doc_id, id) and an AUTOINCREMENT counter, wrote three pages per commit (1,229).
        using (var connection = db.OpenConnection()) Assert.Equal(4096L, connection.Scalar("PRAGMA page_size;"));
        var frames = (new FileInfo(dir.DbPath + "-wal").Length - walBefore) / (4096 + 24);
        var commits = store.CommittedBatches - batchesBefore;
        output.WriteLine($"{frames} WAL frames for {commits} commits");
        Assert.Equal(400, commits);
        Assert.InRange(frames, commits, 2 * commits);
    }

    [Fact]
    public async Task Rows_a_snapshot_holds_are_purged_a_chunk_at_a_time_between_appends()
    {
        using var dir = new StorageTestDirectory();
        using var db = new SqliteDatabase(dir.DbPath);
        // One operation per batch: the writer purges a chunk after each once the purge is due.
        var clock = new ManualTimeProvider(DateTimeOffset.UnixEpoch);
        await using var store = new SqliteDocumentStore(db, timeProvider: clock, maxBatchSize: 1, purgeDelay: TimeSpan.FromMinutes(1));
        await Task.WhenAll(Enumerable.Range(0, 3000).Select(i => store.AppendAsync($"doc-{i % 3}", BitConverter.GetBytes(i), Alice)));

        // Every purged row notes the newest id in the log at that moment.
        using var raw = dir.OpenRawConnection();
        raw.Execute("""
            CREATE TABLE purged (doc_id TEXT, newest_id INTEGER);
            CREATE TRIGGER note_purge AFTER DELETE ON updates BEGIN
                INSERT INTO purged VALUES (OLD.doc_id, (SELECT max(id) FROM updates));
            END;
            """);
        await store.CompactAsync("doc-0", [0xC0]);
        // The writer waits for this lock with the first append, so all of them are queued when the purge comes due.
        raw.Execute("BEGIN IMMEDIATE;");
        var appends = Enumerable.Range(0, 20).Select(_ => store.AppendAsync("doc-1", [1], Alice)).ToList();
        clock.Advance(TimeSpan.FromMinutes(1));
        raw.Execute("COMMIT;");
        await Task.WhenAll(appends);
        await WaitUntilAsync(() => (long)raw.Scalar("SELECT count(*) FROM updates WHERE doc_id = 'doc-0';")! == 0);

        Assert.Equal(1000L, raw.Scalar("SELECT count(*) FROM purged WHERE doc_id = 'doc-0';"));
        Assert.Equal(0L, raw.Scalar("SELECT count(*) FROM purged WHERE doc_id <> 'doc-0';"));
        // Appends committed between the purge's deletes: they were not one transaction (nor the compaction's).
        Assert.True((long)raw.Scalar("SELECT count(DISTINCT newest_id) FROM purged;")! > 1);
        Assert.Equal(1020L, raw.Scalar("SELECT count(*) FROM updates WHERE doc_id = 'doc-1';"));
        Assert.Empty((await store.LoadAsync("doc-0")).Updates);
    }

    [Fact]
    public async Task Rows_folded_in_wait_for_the_purge_delay_and_documents_compacted_meanwhile_are_purged_together()
    {
        using var dir = new StorageTestDirectory();
        using var db = new SqliteDatabase(dir.DbPath);
        var clock = new ManualTimeProvider(DateTimeOffset.UnixEpoch);
        await using var store = new SqliteDocumentStore(db, timeProvider: clock, purgeDelay: TimeSpan.FromMinutes(1));
        // Interleaved, as the rows of documents edited together are.
        for (var i = 0; i < 900; i++) await store.AppendAsync(((char)('a' + i % 3)).ToString(), [1], Alice);
        using var raw = dir.OpenRawConnection();
        raw.Execute("""
            CREATE TABLE purged (doc_id TEXT);
            CREATE TRIGGER note_purge AFTER DELETE ON updates BEGIN INSERT INTO purged VALUES (OLD.doc_id); END;
            """);

        await store.CompactAsync("a", [0xC0]);
        clock.Advance(TimeSpan.FromSeconds(40));
        await store.CompactAsync("b", [0xC1]);
        await store.AppendAsync("c", [2], Alice);
        Assert.Equal(0L, raw.Scalar("SELECT count(*) FROM purged;"));
        Assert.Empty((await store.LoadAsync("a")).Updates); // hidden from readers meanwhile

        // A minute after the first compaction the next batch is followed by a purge of both documents.
        clock.Advance(TimeSpan.FromSeconds(21));
        await store.AppendAsync("c", [3], Alice);
        await WaitUntilAsync(() => (long)raw.Scalar("SELECT count(*) FROM purged;")! == 600);

        // Each chunk took an equal share of both: the two shared the purge's transactions.
        Assert.Equal(2L, raw.Scalar("SELECT count(DISTINCT doc_id) FROM (SELECT doc_id FROM purged ORDER BY rowid LIMIT 256);"));
        Assert.Equal(0L, raw.Scalar("SELECT count(*) FROM purged WHERE doc_id = 'c';"));
        Assert.Equal(302L, raw.Scalar("SELECT count(*) FROM updates;"));
    }

    [Fact]
    public async Task Rows_folded_in_are_purged_when_the_delay_has_passed_even_if_nothing_else_is_written()
    {
        using var dir = new StorageTestDirectory();
        using var db = new SqliteDatabase(dir.DbPath);
        await using var store = new SqliteDocumentStore(db, purgeDelay: TimeSpan.FromMilliseconds(200));
        for (var i = 0; i < 100; i++) await store.AppendAsync("d", [1], Alice);
        await store.CompactAsync("d", [0xC0]);

        using var raw = dir.OpenRawConnection(readOnly: true);
        await WaitUntilAsync(() => (long)raw.Scalar("SELECT count(*) FROM updates;")! == 0);
    }

    [Fact]
    public async Task Appends_and_compactions_queued_together_keep_their_order()
    {
        using var dir = new StorageTestDirectory();
        using var db = new SqliteDatabase(dir.DbPath);
        await using var store = new SqliteDocumentStore(db);
        var first = await store.AppendAsync("d", [1], Alice);

        // Not awaited in between: all three land in the writer queue in this order.
        var before = store.AppendAsync("d", [2], Alice);
        var compact = store.CompactAsync("d", [0xC0]);
        var after = store.AppendAsync("d", [3], Alice);
        await Task.WhenAll(before, compact, after);

        var doc = await store.LoadAsync("d");
        Assert.Equal([0xC0], doc.Snapshot);
        Assert.Equal([await after], doc.Updates.Select(u => u.Id));
        Assert.True(first < await before);
    }

    [Fact]
    public async Task Delete_removes_snapshot_and_log()
    {
        using var dir = new StorageTestDirectory();
        using var db = new SqliteDatabase(dir.DbPath);
        await using var store = new SqliteDocumentStore(db);
        await store.AppendAsync("d", [1], Alice);
        await store.CompactAsync("d", [2]);
        await store.AppendAsync("d", [3], Alice);
        await store.AppendAsync("keep", [4], Alice);

        await store.DeleteAsync("d");
        Assert.Same(StoredDocument.Empty, await store.LoadAsync("d"));
        Assert.Equal(["keep"], await store.ListAsync(""));
    }

    [Fact]
    public async Task List_returns_documents_with_a_snapshot_or_log_entries_by_exact_prefix()
    {
        using var dir = new StorageTestDirectory();
        using var db = new SqliteDatabase(dir.DbPath);
        await using var store = new SqliteDocumentStore(db);

        await store.AppendAsync("body:w1/a.md", [1], Alice);
        await store.CompactAsync("body:w1/a.md", [1]); // snapshot only now
        await store.AppendAsync("body:w1/b.md", [1], Alice); // log only
        await store.AppendAsync("body:w1/b.md", [2], Alice);
        await store.AppendAsync("body:w10/c.md", [1], Alice);
        await store.AppendAsync("Body:w1/upper.md", [1], Alice);
        await store.AppendAsync("workspace:w1", [1], Alice);
        await store.AppendAsync("body:w[*?]/odd.md", [1], Alice);
        await store.AppendAsync("body:wX*/glob.md", [1], Alice);

        Assert.Equal(["body:w1/a.md", "body:w1/b.md"], await store.ListAsync("body:w1/"));
        Assert.Equal(["body:w1/a.md", "body:w1/b.md", "body:w10/c.md"], await store.ListAsync("body:w1"));
        Assert.Equal(["body:w[*?]/odd.md"], await store.ListAsync("body:w[*?]/"));
        Assert.Equal(["body:wX*/glob.md"], await store.ListAsync("body:wX*"));
        Assert.Empty(await store.ListAsync("body:w*"));
        Assert.Equal(["workspace:w1"], await store.ListAsync("workspace:"));
        Assert.Equal(7, (await store.ListAsync("")).Count);
    }

    [Fact]
    public async Task List_by_prefix_uses_the_doc_id_indexes()
    {
        using var dir = new StorageTestDirectory();
        using var db = new SqliteDatabase(dir.DbPath);
        using var connection = db.OpenConnection();
        using var command = connection.CreateCommand();
        command.CommandText = """
            EXPLAIN QUERY PLAN
            SELECT doc_id FROM snapshots WHERE doc_id GLOB $pattern
            UNION
            SELECT doc_id FROM updates WHERE doc_id GLOB $pattern;
            """;
        command.Parameters.AddWithValue("$pattern", SqliteDocumentStore.GlobPrefixPattern("body:w1/"));
        var plan = new List<string>();
        using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                plan.Add(reader.GetString(3));
            }
        }

        output.WriteLine(string.Join("\n", plan));
        Assert.DoesNotContain(plan, step => step.StartsWith("SCAN", StringComparison.Ordinal) && !step.Contains("INDEX", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Concurrent_appends_to_many_documents_all_land_with_ids_ordered_per_document()
    {
        using var dir = new StorageTestDirectory();
        using var db = new SqliteDatabase(dir.DbPath);
        await using var store = new SqliteDocumentStore(db);

        const int Writers = 32;
        const int PerWriter = 250;
        const int Documents = 20;
        // Each writer appends its sequence to documents in turn, awaiting each append, like a client
        // whose updates arrive one after another.
        var results = await Task.WhenAll(Enumerable.Range(0, Writers).Select(w => Task.Run(async () =>
        {
            var acked = new List<(string Doc, long Id, int Seq)>();
            for (var seq = 0; seq < PerWriter; seq++)
            {
                var doc = $"body:w/{(w + seq) % Documents}.md";
                var id = await store.AppendAsync(doc, BitConverter.GetBytes((w * 100_000) + seq), Alice);
                acked.Add((doc, id, seq));
            }

            return acked;
        })));

        var all = results.SelectMany(r => r).ToList();
        Assert.Equal(Writers * PerWriter, all.Count);
        Assert.Equal(all.Count, all.Select(a => (a.Doc, a.Id)).Distinct().Count());
        // One writer's later append to a document always gets a larger id.
        foreach (var acked in results)
        {
            Assert.All(acked.GroupBy(a => a.Doc), appends => Assert.True(appends.Zip(appends.Skip(1)).All(p => p.First.Id < p.Second.Id)));
        }

        var byId = all.ToDictionary(a => (a.Doc, a.Id));
        for (var d = 0; d < Documents; d++)
        {
            var doc = $"body:w/{d}.md";
            var loaded = await store.LoadAsync(doc);
            Assert.Equal(all.Where(a => a.Doc == doc).Select(a => a.Id).Order(), loaded.Updates.Select(u => u.Id));
            foreach (var update in loaded.Updates)
            {
                var value = BitConverter.ToInt32(update.Data);
                Assert.Equal(byId[(doc, update.Id)].Seq, value % 100_000);
            }
        }

        // Grouped commits: far fewer transactions than appends.
        output.WriteLine($"{all.Count} appends in {store.CommittedBatches} commits");
        Assert.True(store.CommittedBatches < all.Count);
    }

    [Fact]
    public async Task A_failing_commit_faults_every_task_of_its_batch_and_stores_none_of_it()
    {
        using var dir = new StorageTestDirectory();
        using var db = new SqliteDatabase(dir.DbPath);
        await using var store = new SqliteDocumentStore(db);
        await store.AppendAsync("warm", [0], Alice);

        // Something real that fails inside the transaction, after earlier rows of the batch were inserted.
        using var admin = dir.OpenRawConnection();
        admin.Execute("CREATE TRIGGER poison BEFORE INSERT ON updates WHEN NEW.doc_id = 'poison' BEGIN SELECT RAISE(ABORT, 'poisoned update'); END;");

        // Hold the write lock so the writer blocks on one batch while the next one queues up whole.
        var blocker = dir.OpenRawConnection();
        blocker.Execute("BEGIN IMMEDIATE;");
        var blocked = store.AppendAsync("first", [1], Alice);
        await WaitUntilAsync(() => store.PendingCount == 0);
        await Task.Delay(200); // the writer is now inside its commit, waiting for the lock

        var a1 = store.AppendAsync("a", [1], Alice);
        var a2 = store.AppendAsync("b", [2], Alice);
        var compact = store.CompactAsync("c", [3]);
        var poison = store.AppendAsync("poison", [4], Alice);
        var a3 = store.AppendAsync("a", [5], Alice);
        blocker.Execute("COMMIT;");
        blocker.Dispose();

        Assert.True(await blocked > 0);
        foreach (var task in new Task[] { a1, a2, compact, poison, a3 })
        {
            var error = await Assert.ThrowsAsync<SqliteException>(() => task);
            Assert.Contains("poisoned update", error.Message);
        }

        Assert.Same(StoredDocument.Empty, await store.LoadAsync("a"));
        Assert.Same(StoredDocument.Empty, await store.LoadAsync("b"));
        Assert.Same(StoredDocument.Empty, await store.LoadAsync("c"));
        Assert.Same(StoredDocument.Empty, await store.LoadAsync("poison"));
        Assert.Single((await store.LoadAsync("first")).Updates);

        // The writer recovers: later batches commit.
        admin.Execute("DROP TRIGGER poison;");
        Assert.Equal(1, await store.AppendAsync("a", [6], Alice));
        Assert.Single((await store.LoadAsync("a")).Updates);
    }

    [Fact]
    public async Task Dispose_commits_everything_queued_before_returning()
    {
        using var dir = new StorageTestDirectory();
        using var db = new SqliteDatabase(dir.DbPath);
        var store = new SqliteDocumentStore(db, maxBatchSize: 64);
        var pending = Enumerable.Range(0, 5000)
            .Select(i => store.AppendAsync($"doc-{i % 7}", BitConverter.GetBytes(i), Alice))
            .ToList();
        var compact = store.CompactAsync("doc-0", [0xAA]);

        await store.DisposeAsync();

        Assert.All(pending, t => Assert.True(t.IsCompletedSuccessfully));
        Assert.True(compact.IsCompletedSuccessfully);
        await Assert.ThrowsAsync<ObjectDisposedException>(() => store.AppendAsync("late", [1], Alice));
        await store.DisposeAsync(); // idempotent

        // The compaction folded in doc-0's 715 appends queued before it (their rows wait for a purge).
        using var raw = dir.OpenRawConnection();
        Assert.Equal(5000L, raw.Scalar("SELECT count(*) FROM updates;"));
        Assert.Equal(715L, raw.Scalar("SELECT count(*) FROM updates u JOIN snapshots s USING (doc_id) WHERE u.id <= s.through_id;"));
        Assert.Equal(0L, raw.Scalar("SELECT count(*) FROM updates u JOIN snapshots s USING (doc_id) WHERE u.id > s.through_id;"));
        Assert.Equal(1L, raw.Scalar("SELECT count(*) FROM snapshots;"));
    }

    [Fact]
    public async Task The_writer_leaves_WAL_checkpoints_to_the_background_thread()
    {
        using var dir = new StorageTestDirectory();
        using var db = new SqliteDatabase(dir.DbPath);
        // The background thread would checkpoint after a million WAL pages: not in this test.
        await using var store = new SqliteDocumentStore(db, pagesPerCheckpoint: 1_000_000);
        var fileBefore = new FileInfo(dir.DbPath).Length;

        // 2,000 commits of 1 KiB (under 4 MiB in all): far past SQLite's automatic checkpoint at 1,000 WAL pages.
        var update = new byte[1024];
        for (var i = 0; i < 2000; i++) await store.AppendAsync($"doc-{i % 10}", update, Alice);

        // Nothing was copied into the database file: the writer did not checkpoint.
        Assert.True(new FileInfo(dir.DbPath + "-wal").Length > 4_000_000);
        Assert.Equal(fileBefore, new FileInfo(dir.DbPath).Length);
    }

    [Fact]
    public async Task Background_checkpoints_copy_the_WAL_into_the_file_and_a_WAL_a_reader_made_grow_is_trimmed()
    {
        using var dir = new StorageTestDirectory();
        using var db = new SqliteDatabase(dir.DbPath);
        await using var store = new SqliteDocumentStore(db, pagesPerCheckpoint: 64, maxWalBytes: 1_000_000);
        var update = new byte[4096];

        // A reader pins the WAL's start, so it cannot start over: it grows past its limit (and the
        // writer, which must not wait for readers, goes on: these appends do not hang).
        using (var reader = dir.OpenRawConnection(readOnly: true))
        {
            using var transaction = reader.BeginTransaction(deferred: true);
            Assert.Equal(0L, reader.Scalar("SELECT count(*) FROM updates;"));
            for (var i = 0; i < 1000; i++) await store.AppendAsync($"doc-{i % 10}", update, Alice);
        }
        var grown = new FileInfo(dir.DbPath + "-wal").Length;
        Assert.True(grown > 4_000_000, $"WAL {grown} bytes");

        // Once the reader is gone, the WAL starts over after the next checkpoint and is trimmed to its limit.
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (new FileInfo(dir.DbPath + "-wal").Length > 1_000_000)
        {
            Assert.True(DateTime.UtcNow < deadline, "the WAL was not trimmed");
            await store.AppendAsync("more", update, Alice);
            await Task.Delay(5);
        }
        Assert.True(new FileInfo(dir.DbPath).Length > 4_000_000, "the WAL's content is in the database file");
        using var raw = dir.OpenRawConnection(readOnly: true);
        Assert.Equal(1000L, raw.Scalar("SELECT count(*) FROM updates WHERE doc_id LIKE 'doc-%';"));
    }

    [Fact]
    public async Task Under_appends_that_never_pause_the_WAL_starts_over_instead_of_growing()
    {
        using var dir = new StorageTestDirectory();
        using var db = new SqliteDatabase(dir.DbPath);
        await using var store = new SqliteDocumentStore(db, maxBatchSize: 16, pagesPerCheckpoint: 100);

        // 40,000 appends of 1 KiB queued at once keep the writer busy while the checkpoints run.
        var update = new byte[1024];
        await Task.WhenAll(Enumerable.Range(0, 40_000).Select(i => store.AppendAsync($"doc-{i % 50}", update, Alice)));

        // About 250 MB went through the WAL. Restarted after each checkpoint, it starts over about 200
        // times here and stays under 5 MB, also while other processes keep the disk syncing; without
        // restarts it never starts over and ends up holding all 250 MB. (When the checkpoint thread could
        // start a checkpoint before the writer's restart, they collided on a machine with slow syncs:
        // 7 restarts and 172 MB.)
        var restarts = WalRestarts(dir.DbPath + "-wal");
        var walBytes = new FileInfo(dir.DbPath + "-wal").Length;
        Assert.True(restarts >= 3 && walBytes < 125_000_000, $"the WAL started over {restarts} times; it is {walBytes} bytes");
        using var raw = dir.OpenRawConnection(readOnly: true);
        Assert.Equal(40_000L, raw.Scalar("SELECT count(*) FROM updates;"));
    }

    /// <summary>How often a WAL file has started over: its header's checkpoint sequence number (big-endian, at byte 12).</summary>
    private static uint WalRestarts(string walPath)
    {
        var header = new byte[16];
        using var file = new FileStream(walPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        file.ReadExactly(header);
        return BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(12));
    }

    [Fact]
    public async Task A_completed_append_is_in_the_file_for_a_fresh_connection_without_disposing_the_store()
    {
        using var dir = new StorageTestDirectory();
        var db = new SqliteDatabase(dir.DbPath);
        var store = new SqliteDocumentStore(db);
        var id = await store.AppendAsync("body:w/x.md", [42, 43], Alice);

        // Neither the store nor the database is disposed: nothing is flushed on the way out.
        using var raw = dir.OpenRawConnection(readOnly: true);
        Assert.Equal(new byte[] { 42, 43 }, (byte[])raw.Scalar("SELECT data FROM updates WHERE id = $id;", ("$id", id))!);

        // A second, independent database object (as another process would) sees it too.
        using var other = new SqliteDatabase(dir.DbPath);
        await using var otherStore = new SqliteDocumentStore(other);
        Assert.Equal([id], (await otherStore.LoadAsync("body:w/x.md")).Updates.Select(u => u.Id));

        await store.DisposeAsync();
        db.Dispose();
    }

    [Fact]
    public async Task Loads_see_a_consistent_state_while_compactions_run()
    {
        using var dir = new StorageTestDirectory();
        using var db = new SqliteDatabase(dir.DbPath);
        await using var store = new SqliteDocumentStore(db);

        // The snapshot is the count of updates it folded in; snapshot + log must always add up.
        var total = 0;
        var stop = DateTime.UtcNow.AddSeconds(2);
        var writer = Task.Run(async () =>
        {
            while (DateTime.UtcNow < stop && total < 5000)
            {
                await store.AppendAsync("d", [1], Alice);
                Interlocked.Increment(ref total);
                if (total % 50 == 0)
                {
                    await store.CompactAsync("d", BitConverter.GetBytes(total));
                }
            }
        });

        var checks = 0;
        while (!writer.IsCompleted)
        {
            var before = Volatile.Read(ref total);
            var doc = await store.LoadAsync("d");
            var after = Volatile.Read(ref total);
            var folded = doc.Snapshot is null ? 0 : BitConverter.ToInt32(doc.Snapshot);
            // At most one append is in flight (committed but not yet counted).
            Assert.InRange(folded + doc.Updates.Count, before, after + 1);
            checks++;
        }

        await writer;
        var final = await store.LoadAsync("d");
        Assert.Equal(total, (final.Snapshot is null ? 0 : BitConverter.ToInt32(final.Snapshot)) + final.Updates.Count);
        output.WriteLine($"{total} appends, {checks} concurrent loads");
    }

    [Fact]
    public async Task Throughput_of_small_appends_is_reported()
    {
        // Measured, not asserted (timing depends on the machine).
        using var dir = new StorageTestDirectory();
        using var db = new SqliteDatabase(dir.DbPath);
        await using var store = new SqliteDocumentStore(db);
        var update = new byte[64];
        await store.AppendAsync("warm", update, Alice);

        foreach (var concurrency in new[] { 1, 16, 256 })
        {
            const int PerRun = 20_000;
            var batchesBefore = store.CommittedBatches;
            var sw = Stopwatch.StartNew();
            var remaining = PerRun;
            await Task.WhenAll(Enumerable.Range(0, concurrency).Select(w => Task.Run(async () =>
            {
                while (Interlocked.Decrement(ref remaining) >= 0)
                {
                    await store.AppendAsync($"body:w/{w % 50}.md", update, Alice);
                }
            })));
            sw.Stop();
            output.WriteLine(
                $"{concurrency,4} concurrent writers: {PerRun} appends in {sw.ElapsedMilliseconds} ms = " +
                $"{PerRun / sw.Elapsed.TotalSeconds:F0}/s, {store.CommittedBatches - batchesBefore} commits");
        }
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "timed out waiting");
            await Task.Delay(5);
        }
    }
}
