using Diaryx.Sync.Lite.Documents;
using Diaryx.Sync.Lite.Storage;
using Diaryx.Sync.Lite.Tests.Storage;
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

    public async ValueTask DisposeAsync()
    {
        await Hub.DisposeAsync();
        await Store.DisposeAsync();
        Database.Dispose();
        _dir.Dispose();
    }
}
