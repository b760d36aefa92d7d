using Diaryx.Sync.Lite.Documents;
using Diaryx.Sync.Lite.Storage;
using Diaryx.Sync.Lite.Tests.Storage;
using Diaryx.Sync.Lite.Yjs;
using Diaryx.Sync.Lite.Yjs.Protocols;
using Microsoft.Extensions.Logging.Abstractions;

namespace Diaryx.Sync.Lite.Tests.Infrastructure;

/// <summary>A real hub on a real SQLite file in a temporary directory, for tests that drive the hub in-process.</summary>
internal sealed class SqliteHub : IAsyncDisposable
{
    private readonly StorageTestDirectory _dir = new();

    public SqliteHub()
    {
        Database = new SqliteDatabase(_dir.DbPath);
        Store = new SqliteDocumentStore(Database);
        Hub = new DocumentHub(Store, new HubOptions { IdleUnload = TimeSpan.Zero }, NullLogger<DocumentHub>.Instance);
    }

    public SqliteDatabase Database { get; }
    public SqliteDocumentStore Store { get; }
    public DocumentHub Hub { get; }

    /// <summary>A y-sync update message from a fresh client that typed <paramref name="text"/>.</summary>
    public static byte[] Insert(string text)
    {
        var doc = new YDoc();
        doc.GetText("body").Insert(0, text);
        return Messages.Update(doc.EncodeStateAsUpdate());
    }

    public async ValueTask DisposeAsync()
    {
        await Hub.DisposeAsync();
        await Store.DisposeAsync();
        Database.Dispose();
        _dir.Dispose();
    }
}
