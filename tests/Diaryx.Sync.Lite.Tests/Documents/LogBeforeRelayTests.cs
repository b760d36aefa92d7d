using Diaryx.Sync.Lite.Documents;
using Diaryx.Sync.Lite.Yjs;
using Diaryx.Sync.Lite.Yjs.Lib0;
using Diaryx.Sync.Lite.Yjs.Protocols;
using Microsoft.Extensions.Logging.Abstractions;

namespace Diaryx.Sync.Lite.Tests.Documents;

/// <summary>
/// The hub's promise under pipelining: a sender never waits for the log, yet no peer sees a change
/// (as a relay, a SyncStep2 answer, a greeting or an HTTP read) before it is stored, and a change that
/// cannot be stored is shown to nobody. The store here holds every append until the test commits it.
/// </summary>
public sealed class LogBeforeRelayTests : IAsyncDisposable
{
    /// <summary>An in-memory store whose appends complete only when the test says so.</summary>
    private sealed class HeldStore : IDocumentStore
    {
        private readonly Queue<(string DocId, byte[] Update, TaskCompletionSource<long> Done)> _held = new();
        private readonly List<(string DocId, byte[] Update)> _stored = [];
        private long _nextId;

        public int HeldCount { get { lock (_held) return _held.Count; } }

        public Task<StoredDocument> LoadAsync(string docId, CancellationToken cancellationToken = default)
        {
            lock (_held)
            {
                var updates = _stored.Where(s => s.DocId == docId).Select((s, i) => new StoredUpdate(i + 1, s.Update)).ToList();
                return Task.FromResult(updates.Count == 0 ? StoredDocument.Empty : new StoredDocument(null, updates));
            }
        }

        public Task<long> AppendAsync(string docId, byte[] update, UpdateAuthor author, CancellationToken cancellationToken = default)
        {
            var done = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
            lock (_held) _held.Enqueue((docId, update, done));
            return done.Task;
        }

        /// <summary>Commits the oldest held append.</summary>
        public void CommitNext()
        {
            (string DocId, byte[] Update, TaskCompletionSource<long> Done) next;
            lock (_held)
            {
                next = _held.Dequeue();
                _stored.Add((next.DocId, next.Update));
            }
            next.Done.SetResult(++_nextId);
        }

        /// <summary>Fails the oldest held append, as a full disk would.</summary>
        public void FailNext()
        {
            TaskCompletionSource<long> done;
            lock (_held) done = _held.Dequeue().Done;
            done.SetException(new IOException("disk full"));
        }

        public Task CompactAsync(string docId, byte[] snapshot, CancellationToken cancellationToken = default) => Task.CompletedTask;

        public Task<IReadOnlyList<string>> ListAsync(string prefix, CancellationToken cancellationToken = default) =>
            Task.FromResult<IReadOnlyList<string>>([]);
    }

    /// <summary>A peer that records the sync messages it is sent.</summary>
    private sealed class Peer : IDocumentPeer
    {
        private readonly List<(SyncMessageType Type, byte[] Payload)> _received = [];

        public List<string> Closed { get; } = [];

        public List<(SyncMessageType Type, byte[] Payload)> Received { get { lock (_received) return [.. _received]; } }

        public bool TrySend(string docId, byte[] message)
        {
            var reader = new Lib0Reader(message);
            if (reader.ReadVarUInt() != (long)MessageType.Sync) return true;
            var sync = SyncProtocol.Read(reader);
            lock (_received) _received.Add((sync.Type, sync.Payload));
            return true;
        }

        public bool TrySendText(string text) => true;

        public void Abort(string reason) => throw new InvalidOperationException($"aborted: {reason}");

        public void DocumentClosed(string docId)
        {
            lock (Closed) Closed.Add(docId);
        }
    }

    private const string DocId = "body:w/a.md";
    private static readonly UpdateAuthor Author = new("u", "d", null);
    private static readonly JoinOptions Quiet = new() { Greeting = JoinGreeting.None };

    private readonly HeldStore _store = new();
    private DocumentHub _hub = null!;

    private async Task StartAsync(HubOptions? options = null)
    {
        _hub = new DocumentHub(_store, options ?? new HubOptions { IdleUnload = TimeSpan.Zero }, NullLogger<DocumentHub>.Instance);
        await _hub.StartAsync(CancellationToken.None);
    }

    public async ValueTask DisposeAsync()
    {
        while (_store.HeldCount > 0) _store.CommitNext();
        await _hub.DisposeAsync();
    }

    /// <summary>A y-sync update message from a client that typed <paramref name="text"/> after what <paramref name="doc"/> holds.</summary>
    private static byte[] Typed(YDoc doc, string text)
    {
        var before = doc.EncodeStateVector();
        doc.GetText("body").Insert(doc.GetText("body").Length, text);
        return Messages.Update(doc.EncodeStateAsUpdate(before));
    }

    private static string TextOf(params byte[][] updates)
    {
        var doc = new YDoc();
        foreach (var update in updates) doc.ApplyUpdate(update);
        return doc.GetText("body").ToString();
    }

    private static async Task EventuallyAsync(Func<bool> condition, string what)
    {
        for (var i = 0; i < 500 && !condition(); i++) await Task.Delay(10);
        Assert.True(condition(), what);
    }

    [Fact]
    public async Task The_sender_goes_on_while_its_changes_are_stored_and_peers_see_them_only_once_stored()
    {
        await StartAsync();
        var (sender, watcher, joiner) = (new Peer(), new Peer(), new Peer());
        await _hub.JoinAsync(DocId, sender, Author, readOnly: false, Quiet);
        await _hub.JoinAsync(DocId, watcher, Author, readOnly: false, Quiet);
        var client = new YDoc();

        // Two changes in a row: neither call waits for the log.
        await _hub.HandleAsync(DocId, sender, Typed(client, "one;"));
        await _hub.HandleAsync(DocId, sender, Typed(client, "two;"));
        Assert.Equal(2, _store.HeldCount);

        // A joiner's greeting, its SyncStep1 answer and an HTTP read all show the content: they wait too.
        await _hub.JoinAsync(DocId, joiner, Author, readOnly: false, new JoinOptions { Greeting = JoinGreeting.FullState });
        await _hub.HandleAsync(DocId, joiner, Messages.SyncStep1(new YDoc().EncodeStateVector()));
        var read = _hub.ReadAsync(DocId, doc => doc.GetText("body").ToString());
        await Task.Delay(50);
        Assert.Empty(watcher.Received);
        Assert.Empty(joiner.Received);
        Assert.False(read.IsCompleted);

        _store.CommitNext();
        await EventuallyAsync(() => watcher.Received.Count == 1, "the first change is relayed once stored");
        Assert.Equal("one;", TextOf(watcher.Received[0].Payload));
        Assert.Empty(joiner.Received);
        Assert.False(read.IsCompleted);

        _store.CommitNext();
        Assert.Equal("one;two;", await read);
        await EventuallyAsync(() => watcher.Received.Count == 2 && joiner.Received.Count == 2, "the rest once everything is stored");
        Assert.Equal(SyncMessageType.Update, watcher.Received[1].Type);
        // The joiner gets the state in its greeting and answer, not again as relays of older changes.
        Assert.All(joiner.Received, m => Assert.Equal(SyncMessageType.Step2, m.Type));
        Assert.All(joiner.Received, m => Assert.Equal("one;two;", TextOf(m.Payload)));
        Assert.Empty(sender.Received);
    }

    [Fact]
    public async Task A_change_that_cannot_be_stored_is_shown_to_nobody_and_the_document_reloads_from_storage()
    {
        await StartAsync();
        var (sender, watcher, asker) = (new Peer(), new Peer(), new Peer());
        foreach (var peer in new[] { sender, watcher, asker }) await _hub.JoinAsync(DocId, peer, Author, readOnly: false, Quiet);
        var client = new YDoc();
        await _hub.HandleAsync(DocId, sender, Typed(client, "kept;"));
        _store.CommitNext();
        await EventuallyAsync(() => watcher.Received.Count == 1 && asker.Received.Count == 1, "the stored change is relayed");

        await _hub.HandleAsync(DocId, sender, Typed(client, "lost;"));
        await _hub.HandleAsync(DocId, asker, Messages.SyncStep1(new YDoc().EncodeStateVector()));
        var read = _hub.ReadAsync(DocId, doc => doc.GetText("body").ToString());
        _store.FailNext();

        await Assert.ThrowsAsync<DocumentUnavailableException>(() => read);
        await EventuallyAsync(() => new[] { sender, watcher, asker }.All(p => p.Closed.SequenceEqual([DocId])), "every peer is told the document closed");
        Assert.Single(watcher.Received);
        Assert.Single(asker.Received); // the relay of "kept;", no SyncStep2 answer
        Assert.Equal("kept;", await _hub.ReadAsync(DocId, doc => doc.GetText("body").ToString()));
    }

    [Fact]
    public async Task A_sender_waits_once_too_many_of_its_changes_await_the_log()
    {
        await StartAsync(new HubOptions { IdleUnload = TimeSpan.Zero, MaxUnstoredChanges = 3 });
        var sender = new Peer();
        await _hub.JoinAsync(DocId, sender, Author, readOnly: false, Quiet);
        var client = new YDoc();
        await _hub.HandleAsync(DocId, sender, Typed(client, "1"));
        await _hub.HandleAsync(DocId, sender, Typed(client, "2"));

        var third = _hub.HandleAsync(DocId, sender, Typed(client, "3"));
        await Task.Delay(50);
        Assert.False(third.IsCompleted);
        while (_store.HeldCount > 0) _store.CommitNext();
        await third;
    }
}
