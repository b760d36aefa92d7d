using Diaryx.Sync.Lite.Access;
using Diaryx.Sync.Lite.Documents;

namespace Diaryx.Sync.Lite.Storage;

public static class StorageServiceCollectionExtensions
{
    /// <summary>
    /// Registers the SQLite file at <paramref name="databasePath"/> as singletons:
    /// <see cref="SqliteDatabase"/>, <see cref="SqliteDocumentStore"/> (also as <see cref="IDocumentStore"/>)
    /// and <see cref="SqliteAccountStore"/> (also as <see cref="IAccountStore"/>). The file is opened
    /// (and migrated) when first resolved: resolve <see cref="SqliteDatabase"/> at startup to fail fast.
    /// When the host's service provider is disposed, the document store commits its queued writes
    /// before the database closes (the store is created after the database, so it is disposed first).
    /// </summary>
    public static IServiceCollection AddDiaryxStorage(
        this IServiceCollection services,
        string databasePath,
        int sessionExpiryDays = SqliteAccountStore.DefaultSessionExpiryDays)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentException.ThrowIfNullOrWhiteSpace(databasePath);
        ArgumentOutOfRangeException.ThrowIfLessThan(sessionExpiryDays, 1);

        services.AddSingleton(_ => new SqliteDatabase(databasePath));
        services.AddSingleton(provider => new SqliteDocumentStore(
            provider.GetRequiredService<SqliteDatabase>(),
            provider.GetService<ILogger<SqliteDocumentStore>>(),
            provider.GetService<TimeProvider>()));
        services.AddSingleton<IDocumentStore>(provider => provider.GetRequiredService<SqliteDocumentStore>());
        services.AddSingleton(provider => new SqliteAccountStore(
            provider.GetRequiredService<SqliteDatabase>(),
            sessionExpiryDays,
            provider.GetService<TimeProvider>()));
        services.AddSingleton<IAccountStore>(provider => provider.GetRequiredService<SqliteAccountStore>());
        return services;
    }
}
