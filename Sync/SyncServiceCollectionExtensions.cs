using Diaryx.Sync.Lite.Access;
using Diaryx.Sync.Lite.Documents;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Diaryx.Sync.Lite.Sync;

public static class SyncServiceCollectionExtensions
{
    /// <summary>Registers the document hub (flushed on shutdown), the access policy, live access changes and the sync limits.</summary>
    public static IServiceCollection AddDocumentHub(this IServiceCollection services, HubOptions hubOptions, SyncOptions syncOptions)
    {
        services.AddSingleton(hubOptions);
        services.AddSingleton(syncOptions);
        services.AddSingleton(provider => new DocumentHub(
            provider.GetRequiredService<IDocumentStore>(), hubOptions, provider.GetRequiredService<ILogger<DocumentHub>>()));
        services.AddHostedService(provider => provider.GetRequiredService<DocumentHub>());
        services.AddSingleton<AccessPolicy>();
        services.AddSingleton<AccessChanges>();
        return services;
    }
}
