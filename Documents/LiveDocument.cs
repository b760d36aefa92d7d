using Diaryx.Sync.Lite.Yjs;
using Diaryx.Sync.Lite.Yjs.Lib0;
using Diaryx.Sync.Lite.Yjs.Protocols;

namespace Diaryx.Sync.Lite.Documents;

/// <summary>
/// One loaded document and the peers editing it. Everything that touches it runs under its gate
/// (one writer at a time); sending to peers only queues. An accepted change is in the update log
/// before any peer is told about it.
/// </summary>
public sealed class LiveDocument
{
    private sealed class Subscription(IDocumentPeer peer, UpdateAuthor author, bool readOnly, JoinOptions options)
    {
        public IDocumentPeer Peer { get; } = peer;
        public UpdateAuthor Author { get; } = author;
        public bool ReadOnly { get; set; } = readOnly;
        public JoinOptions Options { get; set; } = options;
        /// <summary>Awareness client ids this peer introduced (removed for everyone when it leaves).</summary>
        public HashSet<long> AwarenessClients { get; } = [];
    }

    private readonly DocumentHub _hub;
    private readonly List<Subscription> _subscriptions = [];
    private byte[]? _lastUpdate;

    internal LiveDocument(DocumentHub hub, string id, YDoc doc, long lastLogId, int logCount, long logBytes)
    {
        _hub = hub;
        Id = id;
        Doc = doc;
        Awareness = new Awareness(doc.ClientId, hub.Time);
        LastLogId = lastLogId;
        LogCount = logCount;
        LogBytes = logBytes;
        Doc.Updated += (update, _) => _lastUpdate = update;
    }

    public string Id { get; }

    internal YDoc Doc { get; }
    internal Awareness Awareness { get; }
    internal SemaphoreSlim Gate { get; } = new(1, 1);
    internal bool Closed { get; set; }
    internal long LastLogId { get; private set; }
    internal int LogCount { get; private set; }
    internal long LogBytes { get; private set; }
    /// <summary>Bumped whenever the last peer leaves, so a stale idle timer can tell it is stale.</summary>
    internal int IdleGeneration { get; private set; }

    public int PeerCount => _subscriptions.Count;

    private Subscription? Find(IDocumentPeer peer) => _subscriptions.Find(s => s.Peer == peer);

    /// <summary>Adds a peer and sends it the greeting of <paramref name="options"/> (by default the state vector and every awareness state).</summary>
    internal int Join(IDocumentPeer peer, UpdateAuthor author, bool readOnly, JoinOptions options)
    {
        var subscription = Find(peer);
        if (subscription == null)
        {
            subscription = new Subscription(peer, author, readOnly, options);
            _subscriptions.Add(subscription);
        }
        subscription.ReadOnly = readOnly;
        subscription.Options = options;
        var greeting = options.Greeting;
        if (greeting.HasFlag(JoinGreeting.FullState)) Send(subscription, Messages.SyncStep2(Doc.EncodeStateAsUpdate()));
        if (greeting.HasFlag(JoinGreeting.StateVector)) Send(subscription, Messages.SyncStep1(Doc.EncodeStateVector()));
        if (options.ReceivesAwareness
            && (greeting.HasFlag(JoinGreeting.Awareness) || (greeting.HasFlag(JoinGreeting.AwarenessIfAny) && Awareness.States.Count > 0)))
        {
            Send(subscription, Messages.Awareness(Awareness.EncodeUpdate(Awareness.States.Keys)));
        }
        return _subscriptions.Count;
    }

    /// <summary>Removes a peer and its awareness states (telling the others). Returns how many peers remain.</summary>
    internal int Leave(IDocumentPeer peer)
    {
        var subscription = Find(peer);
        if (subscription == null) return _subscriptions.Count;
        _subscriptions.Remove(subscription);
        var removed = Awareness.RemoveStates(subscription.AwarenessClients);
        if (!removed.IsEmpty) BroadcastAwareness(Awareness.EncodeUpdate(removed.All), except: null);
        if (_subscriptions.Count == 0) IdleGeneration++;
        return _subscriptions.Count;
    }

    internal void SetReadOnly(Func<UpdateAuthor, bool> matches, bool readOnly)
    {
        foreach (var subscription in _subscriptions.Where(s => matches(s.Author))) subscription.ReadOnly = readOnly;
    }

    internal IEnumerable<IDocumentPeer> Peers => _subscriptions.Select(s => s.Peer);

    /// <summary>The peers that joined as a matching author.</summary>
    internal List<IDocumentPeer> PeersWhere(Func<UpdateAuthor, bool> matches) =>
        [.. _subscriptions.Where(s => matches(s.Author)).Select(s => s.Peer)];

    /// <summary>
    /// Handles the y-websocket messages of one payload from <paramref name="peer"/>. A malformed
    /// message throws <see cref="YjsDecodeException"/>; messages before it have taken effect.
    /// </summary>
    internal async Task HandleAsync(IDocumentPeer peer, byte[] payload, CancellationToken cancellationToken)
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
                    if (message.Type == SyncMessageType.Step1)
                    {
                        Send(subscription, Messages.SyncStep2(Doc.EncodeStateAsUpdate(message.Payload)));
                        if (subscription.Options.AnswerStep1WithStep1) Send(subscription, Messages.SyncStep1(Doc.EncodeStateVector()));
                    }
                    else if (subscription.ReadOnly)
                    {
                        _hub.Metrics.ReadOnlyChangeRejected();
                    }
                    else
                    {
                        await ApplyAsync(message.Payload, subscription.Author, except: peer, cancellationToken);
                    }
                    break;
                case (long)MessageType.Awareness:
                    var change = Awareness.ApplyUpdate(reader.ReadVarBytes());
                    subscription.AwarenessClients.UnionWith(change.Added);
                    subscription.AwarenessClients.ExceptWith(change.Removed);
                    if (!change.IsEmpty) BroadcastAwareness(Awareness.EncodeUpdate(change.All), except: peer);
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
    }

    /// <summary>Applies a remote update; if it changed anything, logs the change and relays it.</summary>
    internal async Task ApplyAsync(byte[] update, UpdateAuthor author, IDocumentPeer? except, CancellationToken cancellationToken)
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
        await CommitAsync(author, except, cancellationToken);
    }

    /// <summary>Runs a local edit (HTTP import, server-side changes); logs and relays it to every peer.</summary>
    internal async Task<byte[]?> EditAsync(Action<YDoc> edit, UpdateAuthor author, CancellationToken cancellationToken)
    {
        _lastUpdate = null;
        Doc.Transact(_ => edit(Doc));
        var update = _lastUpdate;
        await CommitAsync(author, except: null, cancellationToken);
        return update;
    }

    private async Task CommitAsync(UpdateAuthor author, IDocumentPeer? except, CancellationToken cancellationToken)
    {
        var update = _lastUpdate;
        _lastUpdate = null;
        if (update == null) return; // nothing changed (duplicate, or parked as pending)
        try
        {
            LastLogId = await _hub.Store.AppendAsync(Id, update, author, cancellationToken);
        }
        catch (Exception exception)
        {
            // Memory is now ahead of storage: drop this copy so the next join reloads what is durable.
            _hub.Evict(this);
            throw new DocumentUnavailableException($"{Id}: the change could not be stored", exception);
        }
        LogCount++;
        LogBytes += update.Length;
        Broadcast(Messages.Update(update), except);
        _hub.OnChanged(Id);
        if (LogCount >= _hub.Options.CompactAfterUpdates || LogBytes >= _hub.Options.CompactAfterBytes) await CompactAsync(cancellationToken);
    }

    /// <summary>Folds the log into a new snapshot. A failure leaves the log as it was (nothing is lost).</summary>
    internal async Task CompactAsync(CancellationToken cancellationToken)
    {
        if (LogCount == 0) return;
        try
        {
            await _hub.Store.CompactAsync(Id, Doc.EncodeStateAsUpdate(), LastLogId, cancellationToken);
            LogCount = 0;
            LogBytes = 0;
            _hub.Metrics.Compacted();
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
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
        foreach (var subscription in _subscriptions.ToList())
        {
            if (subscription.Peer != except && !subscription.Peer.TrySendText(text)) subscription.Peer.Abort("send queue full");
        }
    }

    private void BroadcastAwareness(byte[] awarenessUpdate, IDocumentPeer? except) =>
        Broadcast(Messages.Awareness(awarenessUpdate), except, awareness: true);

    private void Broadcast(byte[] message, IDocumentPeer? except, bool awareness = false)
    {
        foreach (var subscription in _subscriptions.ToList())
        {
            if (subscription.Peer == except || (awareness && !subscription.Options.ReceivesAwareness)) continue;
            Send(subscription, message);
            _hub.Metrics.Relayed(message.Length);
        }
    }

    private void Send(Subscription subscription, byte[] message)
    {
        if (!subscription.Peer.TrySend(Id, message)) subscription.Peer.Abort("send queue full");
    }
}
