using Diaryx.Sync.Lite.Access;
using Diaryx.Sync.Lite.Documents;
using Diaryx.Sync.Lite.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace Diaryx.Sync.Lite.Tests.Storage;

public sealed class StorageServiceCollectionTests
{
    [Fact]
    public async Task AddDiaryxStorage_registers_singletons_and_disposing_the_provider_commits_queued_appends()
    {
        using var dir = new StorageTestDirectory();
        var services = new ServiceCollection().AddDiaryxStorage(dir.DbPath, sessionExpiryDays: 3);
        var provider = services.BuildServiceProvider();

        var documents = provider.GetRequiredService<IDocumentStore>();
        Assert.Same(provider.GetRequiredService<SqliteDocumentStore>(), documents);
        var accounts = provider.GetRequiredService<IAccountStore>();
        Assert.Same(provider.GetRequiredService<SqliteAccountStore>(), accounts);
        Assert.Equal(TimeSpan.FromDays(3), ((SqliteAccountStore)accounts).SessionLifetime);
        Assert.Equal(Path.GetFullPath(dir.DbPath), provider.GetRequiredService<SqliteDatabase>().FilePath);

        var issued = await accounts.IssueTokenAsync("di@example.com", null);
        var pending = Enumerable.Range(0, 1000)
            .Select(i => documents.AppendAsync($"body:{issued.DefaultWorkspaceId}/{i % 3}.md", [(byte)i], UpdateAuthor.Server))
            .ToList();

        await provider.DisposeAsync();
        Assert.All(pending, t => Assert.True(t.IsCompletedSuccessfully));

        // Everything was committed and the pool closed: SQLite checkpointed and removed the WAL.
        Assert.False(File.Exists(dir.DbPath + "-wal"));
        using var raw = dir.OpenRawConnection();
        Assert.Equal(1000L, raw.Scalar("SELECT count(*) FROM updates;"));
    }
}
