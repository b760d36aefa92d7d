using Diaryx.Sync.Lite.Yjs;
using Diaryx.Sync.Lite.Yjs.Lib0;
using Diaryx.Sync.Lite.Yjs.Protocols;

namespace Diaryx.Sync.Lite.Documents;

/// <summary>
/// One loaded document and the peers editing it. Everything that touches it runs under its gate
/// (one writer at a time); sending to peers never waits for them.
/// <para>
/// An accepted change is in the update log before any peer is told about it, yet the sender does not
/// wait for the commit: the change is applied and queued for the log under the gate, and its relay
/// waits in <see cref="_deliveries"/> until the commit. Whatever shows the document's content to a
/// peer (a SyncStep2, a greeting) waits in the same queue behind the changes it contains, so deliveries
/// keep their order and nothing unstored leaves the server. Many changes thus share one group commit.
/// </para>
/// </summary>
public sealed class LiveDocument
{
    private sealed class Subscription(IDocumentPeer peer, UpdateAuthor author, bool readOnly, JoinOptions options, long joinedAfter)
    {
        public IDocumentPeer Peer { get; } = peer;
        public UpdateAuthor Author { get; } = author;
        public bool ReadOnly { get; set; } = readOnly;
        public JoinOptions Options { get; set; } = options;
        /// <summary>Changes up to this sequence number reach the peer through its greeting or its own sync, not as relays.</summary>
        public long JoinedAfter { get; set; } = joinedAfter;
        /// <summary>Awareness client ids this peer introduced (removed for everyone when it leaves).</summary>
        public HashSet<long> AwarenessClients { get; } = [];
    }

    /// <summary>Work waiting for <paramref name="Stored"/> and for every delivery queued before it.</summary>
    private sealed record Delivery(Task Stored, long Bytes, Action Deliver, Action<Exception>? Fail = null);

    private readonly DocumentHub _hub;
    /// <summary>Replaced, never changed, when a peer joins or leaves: relays iterate it as it is, without a copy per relay.</summary>
    private Subscription[] _subscriptions = [];
    private readonly Queue<Delivery> _deliveries = new();
    private long _unstoredBytes;
    private long _acceptedChanges;
    private byte[]? _lastUpdate;
    /// <summary>
    /// This cycle's compaction thresholds are the options' times this, drawn from [1, 2): documents
    /// edited together (a workspace, a benchmark) then do not all compact in the same moment, which
    /// held up every commit behind fifty log deletions for 400 ms.
    /// </summary>
    private double _compactionSpread = DrawCompactionSpread();

    private static double DrawCompactionSpread() => 1 + Random.Shared.NextDouble();

    internal LiveDocument(DocumentHub hub, string id, YDoc doc, int logCount, long logBytes)
    {
        _hub = hub;
        Id = id;
        Doc = doc;
        Awareness = new Awareness(doc.ClientId, hub.Time);
        LogCount = logCount;
        LogBytes = logBytes;
        Doc.Updated += (update, _) => _lastUpdate = update;
    }

    public string Id { get; }

    internal YDoc Doc { get; }
    internal Awareness Awareness { get; }
    internal SemaphoreSlim Gate { get; } = new(1, 1);
    internal bool Closed { get; set; }
    internal int LogCount { get; private set; }
    internal long LogBytes { get; private set; }
    /// <summary>Bumped whenever the last peer leaves, so a stale idle timer can tell it is stale.</summary>
    internal int IdleGeneration { get; private set; }

    public int PeerCount => _subscriptions.Length;

    private Subscription? Find(IDocumentPeer peer)
    {
        foreach (var subscription in _subscriptions)
        {
            if (subscription.Peer == peer) return subscription;
        }
        return null;
    }

    /// <summary>
    /// Adds a peer and sends it the greeting of <paramref name="options"/>. A peer that joins again gets
    /// the new options and greeting but keeps its live read-only flag (<see cref="SetReadOnly"/> may have changed it).
    /// </summary>
    internal int Join(IDocumentPeer peer, UpdateAuthor author, bool readOnly, JoinOptions options)
    {
        var greeting = options.Greeting;
        var greetsWithState = greeting.HasFlag(JoinGreeting.FullState) || options.GreetingText != null;
        var subscription = Find(peer);
        if (subscription == null)
        {
            subscription = new Subscription(peer, author, readOnly, options, _acceptedChanges);
            _subscriptions = [.. _subscriptions, subscription];
        }
        else if (greetsWithState)
        {
            subscription.JoinedAfter = _acceptedChanges;
        }
        subscription.Options = options;

        var text = options.GreetingText?.Invoke(Doc);
        List<byte[]> messages = [];
        if (greeting.HasFlag(JoinGreeting.FullState)) messages.Add(Messages.SyncStep2(Doc.EncodeStateAsUpdate()));
        if (greeting.HasFlag(JoinGreeting.StateVector)) messages.Add(Messages.SyncStep1(Doc.EncodeStateVector()));
        if (options.ReceivesAwareness
            && (greeting.HasFlag(JoinGreeting.Awareness) || (greeting.HasFlag(JoinGreeting.AwarenessIfAny) && Awareness.States.Count > 0)))
        {
            messages.Add(Messages.Awareness(Awareness.EncodeUpdate(Awareness.States.Keys)));
        }
        if (text != null || messages.Count > 0)
        {
            AfterStored(() =>
            {
                if (text != null && !peer.TrySendText(text)) peer.Abort("send queue full");
                foreach (var message in messages) Send(subscription, message);
            });
        }
        return _subscriptions.Length;
    }

    /// <summary>Removes a peer and its awareness states (telling the others). Returns how many peers remain.</summary>
    internal int Leave(IDocumentPeer peer)
    {
        var subscription = Find(peer);
        if (subscription == null) return _subscriptions.Length;
        _subscriptions = Array.FindAll(_subscriptions, s => s != subscription);
        var removed = Awareness.RemoveStates(subscription.AwarenessClients);
        if (!removed.IsEmpty) BroadcastAwareness(Awareness.EncodeUpdate(removed.All), except: null);
        if (_subscriptions.Length == 0) IdleGeneration++;
        return _subscriptions.Length;
    }

    internal void SetReadOnly(Func<UpdateAuthor, bool> matches, bool readOnly)
    {
        foreach (var subscription in _subscriptions.Where(s => matches(s.Author))) subscription.ReadOnly = readOnly;
    }

    internal IEnumerable<IDocumentPeer> Peers => _subscriptions.Select(s => s.Peer);

    /// <summary>
    /// Handles the y-websocket messages of one payload from <paramref name="peer"/>. A malformed
    /// message throws <see cref="YjsDecodeException"/>; messages before it have taken effect. Returns
    /// a task to await before the peer's next payload: complete unless too much awaits the log.
    /// </summary>
    internal Task Handle(IDocumentPeer peer, byte[] payload)
    {
        // Not joined: the document was evicted and reloaded since; the peer must join again.
        var subscription = Find(peer) ?? throw new DocumentUnavailableException($"{Id}: not joined (the document was reloaded); join again");
        var reader = new Lib0Reader(payload);
        while (reader.HasMore)
        {
            var type = reader.ReadVarUInt();
            switch (type)
            {
                case (long)MessageType.Sync:
                    var message = SyncProtocol.Read(reader);
                    if (message.Type == SyncMessageType.Step1) AnswerStep1(subscription, message.Payload);
                    else if (subscription.ReadOnly) _hub.Metrics.ReadOnlyChangeRejected();
                    else Apply(message.Payload, subscription.Author, except: peer);
                    break;
                case (long)MessageType.Awareness:
                    ApplyAwareness(subscription, reader.ReadVarBytes());
                    break;
                case (long)MessageType.QueryAwareness:
                    Send(subscription, Messages.Awareness(Awareness.EncodeUpdate(Awareness.States.Keys)));
                    break;
                case (long)MessageType.Auth:
                    reader.ReadVarUInt();
                    reader.ReadVarString(); // a client has nothing to tell the server here
                    break;
                default:
                    throw new YjsDecodeException($"Unknown message type {type}");
            }
        }
        return _deliveries.Count >= _hub.Options.MaxUnstoredChanges || _unstoredBytes >= _hub.Options.MaxUnstoredBytes
            ? WhenStored()
            : Task.CompletedTask;
    }

    /// <summary>SyncStep2 with what the peer lacks (and, for v1 clients, our SyncStep1 in the same message), once that is stored.</summary>
    private void AnswerStep1(Subscription subscription, byte[] stateVector)
    {
        var answer = Messages.SyncStep2(Doc.EncodeStateAsUpdate(stateVector));
        if (subscription.Options.AnswerStep1WithStep1) answer = [.. answer, .. Messages.SyncStep1(Doc.EncodeStateVector())];
        AfterStored(() => Send(subscription, answer));
    }

    /// <summary>Applies an awareness update, keeping at most <see cref="HubOptions.MaxAwarenessClientsPerPeer"/> clients per peer.</summary>
    private void ApplyAwareness(Subscription subscription, byte[] update)
    {
        var change = Awareness.ApplyUpdate(update);
        var excess = change.Added.Skip(_hub.Options.MaxAwarenessClientsPerPeer - subscription.AwarenessClients.Count).ToList();
        if (excess.Count > 0)
        {
            Awareness.Discard(excess); // not even their clocks stay: a flood of fresh ids costs no memory
            change = change with { Added = [.. change.Added.Except(excess)] };
        }
        subscription.AwarenessClients.UnionWith(change.Added);
        subscription.AwarenessClients.ExceptWith(change.Removed);
        if (!change.IsEmpty) BroadcastAwareness(Awareness.EncodeUpdate(change.All), except: subscription.Peer);
    }

    /// <summary>Applies a remote update; if it changed anything, queues it for the log and its relay.</summary>
    internal void Apply(byte[] update, UpdateAuthor author, IDocumentPeer? except)
    {
        _lastUpdate = null;
        try
        {
            Doc.ApplyUpdate(update);
        }
        catch (Exception exception) when (exception is not YjsDecodeException)
        {
            // Decoding succeeded but integrating failed half-way: drop this copy, reload from storage.
            _hub.Evict(this);
            throw new DocumentUnavailableException($"{Id}: the update could not be applied", exception);
        }
        _hub.Metrics.UpdateApplied(update.Length);
        Accept(author, except);
    }

    /// <summary>Runs a local edit (HTTP import, server-side changes); it is logged and relayed to every peer. Returns its update.</summary>
    internal byte[]? Edit(Action<YDoc> edit, UpdateAuthor author)
    {
        _lastUpdate = null;
        Doc.Transact(_ => edit(Doc));
        var update = _lastUpdate;
        Accept(author, except: null);
        return update;
    }

    /// <summary>Queues the change just made for the log; once it is stored it is relayed.</summary>
    private void Accept(UpdateAuthor author, IDocumentPeer? except)
    {
        var update = _lastUpdate;
        _lastUpdate = null;
        if (update == null) return; // nothing changed (duplicate, or parked as pending)
        Task stored;
        try
        {
            stored = _hub.Store.AppendAsync(Id, update, author);
        }
        catch (Exception exception)
        {
            // Memory is now ahead of storage: drop this copy so the next join reloads what is durable.
            _hub.Evict(this);
            throw new DocumentUnavailableException($"{Id}: the change could not be stored", exception);
        }
        var sequence = ++_acceptedChanges;
        LogCount++;
        LogBytes += update.Length;
        var message = Messages.Update(update);
        Enqueue(new Delivery(stored, update.Length, () =>
        {
            Broadcast(message, except, changeSequence: sequence);
            _hub.OnChanged(Id);
        }));
        if (LogCount >= _hub.Options.CompactAfterUpdates * _compactionSpread || LogBytes >= _hub.Options.CompactAfterBytes * _compactionSpread) _ = CompactAsync();
    }

    /// <summary>
    /// Completes once every change accepted so far is stored and relayed; faults with
    /// <see cref="DocumentUnavailableException"/> if one could not be stored.
    /// </summary>
    internal Task WhenStored()
    {
        if (_deliveries.Count == 0) return Task.CompletedTask;
        var stored = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Enqueue(new Delivery(Task.CompletedTask, 0, () => stored.TrySetResult(), exception => stored.TrySetException(exception)));
        return stored.Task;
    }

    /// <summary>Runs <paramref name="deliver"/> (under the gate) once every change accepted so far is stored.</summary>
    private void AfterStored(Action deliver)
    {
        if (_deliveries.Count == 0) deliver();
        else Enqueue(new Delivery(Task.CompletedTask, 0, deliver));
    }

    private void Enqueue(Delivery delivery)
    {
        _deliveries.Enqueue(delivery);
        _unstoredBytes += delivery.Bytes;
        if (_deliveries.Count == 1) _ = DeliverAsync(delivery.Stored);
    }

    /// <summary>Delivers queued work in order as the log commits; runs while the queue is not empty.</summary>
    private async Task DeliverAsync(Task head)
    {
        while (true)
        {
            await head.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            await Gate.WaitAsync().ConfigureAwait(false);
            try
            {
                while (_deliveries.TryPeek(out var next) && next.Stored.IsCompleted)
                {
                    _deliveries.Dequeue();
                    _unstoredBytes -= next.Bytes;
                    if (next.Stored.Exception is { } failure)
                    {
                        StorageFailed(failure.InnerException ?? failure);
                        return;
                    }
                    next.Deliver();
                }
                if (!_deliveries.TryPeek(out var waiting)) return;
                head = waiting.Stored;
            }
            finally
            {
                Gate.Release();
            }
        }
    }

    /// <summary>A change could not be stored: memory is ahead of storage, so this copy goes and nothing more is delivered.</summary>
    private void StorageFailed(Exception exception)
    {
        var error = new DocumentUnavailableException($"{Id}: a change could not be stored", exception);
        if (!Closed) _hub.Evict(this);
        foreach (var delivery in _deliveries) delivery.Fail?.Invoke(error);
        _deliveries.Clear();
        _unstoredBytes = 0;
    }

    /// <summary>
    /// Queues a new snapshot of the whole document behind its logged changes, which it replaces. A failure
    /// is logged and leaves the log as it was (nothing is lost). The task completes when it is committed.
    /// </summary>
    internal Task CompactAsync()
    {
        if (LogCount == 0) return Task.CompletedTask;
        _compactionSpread = DrawCompactionSpread();
        LogCount = 0;
        LogBytes = 0;
        return CommitCompactionAsync(Doc.EncodeStateAsUpdate());
    }

    private async Task CommitCompactionAsync(byte[] snapshot)
    {
        try
        {
            await _hub.Store.CompactAsync(Id, snapshot);
            _hub.Metrics.Compacted();
        }
        catch (Exception exception)
        {
            _hub.Logger.CompactionFailed(Id, exception);
        }
    }

    /// <summary>Drops awareness states that were not renewed in time, telling every peer.</summary>
    internal void RemoveOutdatedAwareness()
    {
        var removed = Awareness.RemoveOutdated();
        foreach (var subscription in _subscriptions) subscription.AwarenessClients.ExceptWith(removed.Removed);
        if (!removed.IsEmpty) BroadcastAwareness(Awareness.EncodeUpdate(removed.All), except: null);
    }

    internal void BroadcastText(string text, IDocumentPeer? except)
    {
        foreach (var subscription in _subscriptions)
        {
            if (subscription.Peer != except && !subscription.Peer.TrySendText(text)) subscription.Peer.Abort("send queue full");
        }
    }

    private void BroadcastAwareness(byte[] awarenessUpdate, IDocumentPeer? except)
    {
        var message = Messages.Awareness(awarenessUpdate);
        foreach (var subscription in _subscriptions)
        {
            if (subscription.Peer != except && subscription.Options.ReceivesAwareness) Relay(subscription, message);
        }
    }

    /// <summary>Relays a change to every peer that did not send it and did not get it with its greeting.</summary>
    private void Broadcast(byte[] message, IDocumentPeer? except, long changeSequence)
    {
        foreach (var subscription in _subscriptions)
        {
            if (subscription.Peer == except || subscription.JoinedAfter >= changeSequence || !subscription.Options.ReceivesUpdates) continue;
            Relay(subscription, message);
        }
    }

    private void Relay(Subscription subscription, byte[] message)
    {
        Send(subscription, message);
        _hub.Metrics.Relayed(message.Length);
    }

    private void Send(Subscription subscription, byte[] message)
    {
        if (Closed) return; // its peers were told it closed; they join again
        if (!subscription.Peer.TrySend(Id, message)) subscription.Peer.Abort("send queue full");
    }
}
