using Diaryx.Sync.Lite.Documents;
using Diaryx.Sync.Lite.Yjs;
using Microsoft.Extensions.Logging.Abstractions;

namespace Diaryx.Sync.Lite.Tests.Documents;

/// <summary>
/// The hub folds a document's log into a snapshot once it holds between once and twice
/// <see cref="HubOptions.CompactAfterUpdates"/> updates, each document at its own point in that range.
/// </summary>
public sealed class CompactionTests
{
    /// <summary>An in-memory store that records how many updates each document had logged at each compaction.</summary>
    private sealed class RecordingStore : IDocumentStore
    {
        private readonly Dictionary<string, int> _logged = [];

        public Dictionary<string, List<int>> CompactedAt { get; } = [];

        public Task<StoredDocument> LoadAsync(string docId, CancellationToken cancellationToken = default) =>
            Task.FromResult(StoredDocument.Empty);

        public Task<long> AppendAsync(string docId, byte[] update, UpdateAuthor author, CancellationToken cancellationToken = default)
        {
            lock (_logged) return Task.FromResult((long)(_logged[docId] = _logged.GetValueOrDefault(docId) + 1));
        }

        public Task CompactAsync(string docId, byte[] snapshot, CancellationToken cancellationToken = default)
        {
            lock (_logged)
            {
                var since = _logged.GetValueOrDefault(docId) - CompactedAt.GetValueOrDefault(docId, []).Sum();
                (CompactedAt.TryGetValue(docId, out var list) ? list : CompactedAt[docId] = []).Add(since);
            }
            return Task.CompletedTask;
        }

        public Task<IReadOnlyList<string>> ListAsync(string prefix, CancellationToken cancellationToken = default) =>
            Task.FromResult<IReadOnlyList<string>>([]);
    }

    [Fact]
    public async Task Documents_edited_in_step_compact_each_between_once_and_twice_the_threshold_and_not_all_at_once()
    {
        var store = new RecordingStore();
        await using var hub = new DocumentHub(store, new HubOptions { IdleUnload = TimeSpan.Zero, CompactAfterUpdates = 50 }, NullLogger<DocumentHub>.Instance);
        await hub.StartAsync(CancellationToken.None);
        var author = new UpdateAuthor("u", "d", null);
        var docs = Enumerable.Range(0, 10).Select(i => $"body:w/{i}.md").ToList();

        // Ten documents, one edit each per round, 300 rounds.
        for (var round = 0; round < 300; round++)
        {
            foreach (var doc in docs) await hub.EditAsync(doc, d => d.GetText("body").Insert(0, "x"), author);
        }

        foreach (var doc in docs)
        {
            var compactions = store.CompactedAt[doc];
            Assert.True(compactions.Count >= 3, $"{doc} compacted {compactions.Count} times in 300 updates");
            Assert.All(compactions, logged => Assert.InRange(logged, 50, 100));
        }
        // With thresholds drawn at random, ten documents compacting first at the same update is (1/50)^9 likely.
        Assert.True(docs.Select(doc => store.CompactedAt[doc][0]).Distinct().Count() > 1, "every document compacted at the same update");
    }
}
