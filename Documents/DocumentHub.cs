using System.Collections.Concurrent;
using Diaryx.Sync.Lite.Yjs;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Diaryx.Sync.Lite.Documents;

/// <summary>
/// One live document per id, shared by both sync protocols and the HTTP API. Loads a document from
/// its snapshot and log on first use, unloads it when idle, and flushes everything on shutdown.
/// </summary>
public sealed class DocumentHub(IDocumentStore store, HubOptions options, ILogger<DocumentHub> logger, TimeProvider? time = null)
    : IHostedService, IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, Lazy<Task<LiveDocument>>> _documents = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stopping = new();
    private Task? _awarenessLoop;

    internal IDocumentStore Store { get; } = store;
    internal HubOptions Options { get; } = options;
    internal ILogger Logger { get; } = logger;
    internal TimeProvider Time { get; } = time ?? TimeProvider.System;

    public HubMetrics Metrics { get; } = new();

    /// <summary>Raised (under the document's gate: handlers must only take note) when a change was stored and relayed.</summary>
    public event Action<string>? DocumentChanged;

    internal void OnChanged(string docId) => DocumentChanged?.Invoke(docId);

    public int LoadedCount => _documents.Count;

    /// <summary>
    /// Runs <paramref name="action"/> on the loaded document with <paramref name="state"/>, holding its
    /// gate. With <paramref name="untilStored"/>, returns only once every change the action saw or made
    /// is stored (so what it read or wrote survives a crash). This runs for every frame a peer sends, so
    /// a loaded document whose gate is free is handled right here, without an async method or a closure
    /// (a static action takes its arguments from the state): nothing is allocated for it.
    /// </summary>
    private ValueTask<T> WithDocumentAsync<TState, T>(
        string docId, TState state, Func<LiveDocument, TState, T> action, bool untilStored, CancellationToken cancellationToken)
    {
        try
        {
            var opening = OpenAsync(docId);
            if (!cancellationToken.IsCancellationRequested && opening.IsCompletedSuccessfully && opening.Result.Gate.Wait(0)
                && TryRunHoldingGate(opening.Result, state, action, untilStored, out var result, out var stored))
            {
                return stored.IsCompletedSuccessfully ? new ValueTask<T>(result) : WhenStoredAsync(stored, result);
            }
        }
        catch (Exception exception)
        {
            return ValueTask.FromException<T>(exception); // failed as an async method would: in the task
        }
        return WithDocumentSlowAsync(docId, state, action, untilStored, cancellationToken);

        static async ValueTask<T> WhenStoredAsync(Task stored, T result)
        {
            await stored;
            return result;
        }
    }

    /// <summary><see cref="WithDocumentAsync{TState, T}"/> when the document must load or its gate is taken.</summary>
    private async ValueTask<T> WithDocumentSlowAsync<TState, T>(
        string docId, TState state, Func<LiveDocument, TState, T> action, bool untilStored, CancellationToken cancellationToken)
    {
        while (true)
        {
            var document = await OpenAsync(docId);
            await document.Gate.WaitAsync(cancellationToken);
            if (!TryRunHoldingGate(document, state, action, untilStored, out var result, out var stored)) continue;
            await stored;
            return result;
        }
    }

    /// <summary>Runs the action and releases the gate; false (and nothing run) if the document was unloaded meanwhile and must load again.</summary>
    private bool TryRunHoldingGate<TState, T>(
        LiveDocument document, TState state, Func<LiveDocument, TState, T> action, bool untilStored, out T result, out Task stored)
    {
        try
        {
            result = default!;
            stored = Task.CompletedTask;
            if (document.Closed) return false;
            result = action(document, state);
            if (untilStored) stored = document.WhenStored();
            if (document.PeerCount == 0) ScheduleUnload(document);
            return true;
        }
        finally
        {
            document.Gate.Release();
        }
    }

    private Task<T> WithDocumentAsync<T>(string docId, Func<LiveDocument, T> action, bool untilStored, CancellationToken cancellationToken) =>
        WithDocumentAsync(docId, action, static (document, action) => action(document), untilStored, cancellationToken).AsTask();

    /// <summary>The loaded document; a document already loaded (every frame after the first) costs no allocation.</summary>
    private Task<LiveDocument> OpenAsync(string docId)
    {
        // After shutdown began nothing loads again: its changes would miss the final compaction.
        if (_stopping.IsCancellationRequested) throw new DocumentUnavailableException($"{docId}: the server is shutting down");
        // A static factory with an argument: no delegate is made when the document is there already.
        var lazy = _documents.GetOrAdd(docId, static (id, hub) => new Lazy<Task<LiveDocument>>(() => hub.LoadAsync(id)), this);
        var loading = lazy.Value;
        return loading.IsCompletedSuccessfully ? loading : WhenLoadedAsync(docId, lazy, loading);
    }

    /// <summary>A load that failed is forgotten, so the next open tries again.</summary>
    private async Task<LiveDocument> WhenLoadedAsync(string docId, Lazy<Task<LiveDocument>> lazy, Task<LiveDocument> loading)
    {
        try
        {
            return await loading;
        }
        catch
        {
            _documents.TryRemove(new KeyValuePair<string, Lazy<Task<LiveDocument>>>(docId, lazy));
            throw;
        }
    }

    private async Task<LiveDocument> LoadAsync(string docId)
    {
        StoredDocument stored;
        try
        {
            stored = await Store.LoadAsync(docId);
        }
        catch (Exception exception)
        {
            throw new DocumentUnavailableException($"{docId}: could not be loaded", exception);
        }
        var doc = stored.ToDoc(docId, (update, exception) => Logger.SkippedLoggedUpdate(docId, update.Id, exception));
        var bytes = stored.Updates.Sum(u => (long)u.Data.Length);
        Logger.Loaded(docId, stored.Updates.Count);
        return new LiveDocument(this, docId, doc, stored.Updates.Count, bytes);
    }

    /// <summary>Adds <paramref name="peer"/> to the document and sends it the document's state vector and awareness. Returns the peer count.</summary>
    public Task<int> JoinAsync(string docId, IDocumentPeer peer, UpdateAuthor author, bool readOnly, CancellationToken cancellationToken = default) =>
        JoinAsync(docId, peer, author, readOnly, JoinOptions.Default, cancellationToken);

    /// <summary>Adds <paramref name="peer"/> to the document with the greeting and behaviour of <paramref name="options"/>. Returns the peer count.</summary>
    public Task<int> JoinAsync(string docId, IDocumentPeer peer, UpdateAuthor author, bool readOnly, JoinOptions options, CancellationToken cancellationToken = default) =>
        WithDocumentAsync(docId, document => document.Join(peer, author, readOnly, options), untilStored: false, cancellationToken);

    /// <summary>
    /// Handles a y-websocket payload from a peer that has joined. Returns once the payload took effect
    /// (its changes are relayed when stored), or, when too many of the document's changes await the
    /// log, once they are stored: the peer's next payload waits, which bounds the backlog.
    /// </summary>
    public Task HandleAsync(string docId, IDocumentPeer peer, byte[] payload, CancellationToken cancellationToken = default)
    {
        var handling = WithDocumentAsync(docId, (peer, payload), static (document, frame) => document.Handle(frame.peer, frame.payload),
            untilStored: false, cancellationToken);
        return handling.IsCompletedSuccessfully && handling.Result.IsCompleted ? Task.CompletedTask : WhenHandledAsync(handling);

        static async Task WhenHandledAsync(ValueTask<Task> handling)
        {
            var backlog = await handling;
            // A storage failure is reported to every peer when the document is evicted; here it only ends the wait.
            await backlog.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    /// <summary>Removes <paramref name="peer"/> from a loaded document; returns the remaining peer count (0 if not loaded).</summary>
    public async Task<int> LeaveAsync(string docId, IDocumentPeer peer)
    {
        if (!_documents.TryGetValue(docId, out var lazy) || !lazy.IsValueCreated) return 0;
        LiveDocument document;
        try
        {
            document = await lazy.Value;
        }
        catch (DocumentUnavailableException)
        {
            return 0;
        }
        await document.Gate.WaitAsync();
        try
        {
            var remaining = document.Leave(peer);
            if (remaining == 0 && !document.Closed) ScheduleUnload(document);
            return remaining;
        }
        finally
        {
            document.Gate.Release();
        }
    }

    /// <summary>Reads the document (loading it if needed) under its gate; returns once what was read is stored.</summary>
    public Task<T> ReadAsync<T>(string docId, Func<YDoc, T> read, CancellationToken cancellationToken = default) =>
        WithDocumentAsync(docId, document => read(document.Doc), untilStored: true, cancellationToken);

    /// <summary>Changes the document as the server; the change is logged and sent to every peer. Returns its update (or null if nothing changed) once stored.</summary>
    public Task<byte[]?> EditAsync(string docId, Action<YDoc> edit, UpdateAuthor author, CancellationToken cancellationToken = default) =>
        WithDocumentAsync(docId, document => document.Edit(edit, author), untilStored: true, cancellationToken);

    /// <summary>Applies an update as if a peer had sent it (logged and relayed to every peer); returns once stored.</summary>
    public Task ApplyUpdateAsync(string docId, byte[] update, UpdateAuthor author, CancellationToken cancellationToken = default) =>
        WithDocumentAsync(docId, document =>
        {
            document.Apply(update, author, except: null);
            return true;
        }, untilStored: true, cancellationToken);

    /// <summary>Writes the document's snapshot now (the <c>save</c> control message).</summary>
    public async Task SaveAsync(string docId, CancellationToken cancellationToken = default)
    {
        var compaction = await WithDocumentAsync(docId, document => document.CompactAsync(), untilStored: false, cancellationToken);
        await compaction;
    }

    /// <summary>Sends a text to every peer of a loaded document. False if it is not loaded.</summary>
    public async Task<bool> BroadcastTextAsync(string docId, string text, IDocumentPeer? except = null)
    {
        if (!_documents.TryGetValue(docId, out var lazy) || !lazy.IsValueCreated || !lazy.Value.IsCompletedSuccessfully) return false;
        var document = await lazy.Value;
        await document.Gate.WaitAsync();
        try
        {
            if (document.Closed) return false;
            document.BroadcastText(text, except);
            return true;
        }
        finally
        {
            document.Gate.Release();
        }
    }

    /// <summary>Changes read-only for the matching peers of every loaded document (live share permissions).</summary>
    public async Task SetReadOnlyAsync(Func<UpdateAuthor, bool> matches, bool readOnly)
    {
        foreach (var document in await LoadedDocumentsAsync())
        {
            await document.Gate.WaitAsync();
            try
            {
                document.SetReadOnly(matches, readOnly);
            }
            finally
            {
                document.Gate.Release();
            }
        }
    }

    // ---- Workspace rooms: connections that follow a workspace beside its documents ----------------

    private readonly Dictionary<string, WorkspaceRoom> _rooms = new(StringComparer.Ordinal);

    private T InRoom<T>(string workspaceId, Func<WorkspaceRoom, T> action)
    {
        lock (_rooms)
        {
            if (!_rooms.TryGetValue(workspaceId, out var room)) _rooms[workspaceId] = room = new WorkspaceRoom();
            var result = action(room);
            if (room.IsEmpty) _rooms.Remove(workspaceId);
            return result;
        }
    }

    /// <summary><paramref name="peer"/> hears the workspace's events (<see cref="SendToFollowers"/>, <see cref="BroadcastToWorkspaceAsync"/>) until it unfollows.</summary>
    public void Follow(string workspaceId, IDocumentPeer peer) => InRoom(workspaceId, room =>
    {
        room.Follow(peer);
        return true;
    });

    /// <summary>Stops following and drops the peer's focus; returns the new focus list if that changed it, else null.</summary>
    public IReadOnlyList<string>? Unfollow(string workspaceId, IDocumentPeer peer) => InRoom(workspaceId, room =>
    {
        room.Unfollow(peer);
        return room.ClearFocus(peer) ? room.FocusedPaths : null;
    });

    /// <summary>Adds paths to (or removes them from) the peer's focus; returns the workspace's new focus list if it changed, else null.</summary>
    public IReadOnlyList<string>? ChangeFocus(string workspaceId, IDocumentPeer peer, IEnumerable<string> paths, bool focused) =>
        InRoom(workspaceId, room => room.ChangeFocus(peer, paths, focused) ? room.FocusedPaths : null);

    /// <summary>The paths some connection of the workspace has in focus, in ordinal order.</summary>
    public IReadOnlyList<string> FocusedPaths(string workspaceId) => InRoom(workspaceId, room => room.FocusedPaths);

    /// <summary>Sends a text to every follower of the workspace.</summary>
    public void SendToFollowers(string workspaceId, string text, IDocumentPeer? except = null)
    {
        foreach (var peer in InRoom(workspaceId, room => room.Followers))
        {
            if (peer != except && !peer.TrySendText(text)) peer.Abort("send queue full");
        }
    }

    /// <summary>Sends a text to every follower of the workspace and every peer of its metadata document, each once.</summary>
    public async Task BroadcastToWorkspaceAsync(string workspaceId, string text)
    {
        var recipients = new HashSet<IDocumentPeer>(InRoom(workspaceId, room => room.Followers));
        var docId = DocumentId.Workspace(workspaceId).ToString();
        if (_documents.TryGetValue(docId, out var lazy) && lazy.IsValueCreated && lazy.Value.IsCompletedSuccessfully)
        {
            var document = await lazy.Value;
            await document.Gate.WaitAsync();
            try
            {
                if (!document.Closed) recipients.UnionWith(document.Peers);
            }
            finally
            {
                document.Gate.Release();
            }
        }
        foreach (var peer in recipients)
        {
            if (!peer.TrySendText(text)) peer.Abort("send queue full");
        }
    }

    /// <summary>Peers of a loaded document (0 if it is not loaded).</summary>
    public int PeerCount(string docId) =>
        _documents.TryGetValue(docId, out var lazy) && lazy.IsValueCreated && lazy.Value.IsCompletedSuccessfully ? lazy.Value.Result.PeerCount : 0;

    private async Task<List<LiveDocument>> LoadedDocumentsAsync()
    {
        var loaded = new List<LiveDocument>();
        foreach (var lazy in _documents.Values)
        {
            if (!lazy.IsValueCreated) continue;
            try
            {
                loaded.Add(await lazy.Value);
            }
            catch (DocumentUnavailableException)
            {
            }
        }
        return loaded;
    }

    /// <summary>Awareness clients remembered across loaded documents (read without the gates: a gauge, not an exact count).</summary>
    public int AwarenessClientCount => _documents.Values.Sum(lazy =>
        lazy.IsValueCreated && lazy.Value.IsCompletedSuccessfully ? lazy.Value.Result.Awareness.KnownClientCount : 0);

    /// <summary>Loaded documents with at least one peer.</summary>
    public int ActiveCount => _documents.Values.Count(lazy =>
        lazy.IsValueCreated && lazy.Value.IsCompletedSuccessfully && lazy.Value.Result.PeerCount > 0);

    /// <summary>
    /// Drops the loaded documents whose id matches, without saving them (their stored data is about to
    /// go). Their peers are told the document closed: to go on they must join again, and be authorised again.
    /// </summary>
    public async Task<int> CloseDocumentsAsync(Func<string, bool> matches)
    {
        var closed = 0;
        foreach (var document in await LoadedDocumentsAsync())
        {
            if (!matches(document.Id)) continue;
            await document.Gate.WaitAsync();
            try
            {
                if (document.Closed) continue;
                document.Closed = true;
                RemoveEntry(document);
                foreach (var peer in document.Peers.ToList()) peer.DocumentClosed(document.Id);
                closed++;
            }
            finally
            {
                document.Gate.Release();
            }
        }
        return closed;
    }

    /// <summary>Forgets a document whose memory went ahead of storage (caller holds its gate).</summary>
    internal void Evict(LiveDocument document)
    {
        document.Closed = true;
        RemoveEntry(document);
        Logger.Evicted(document.Id);
        foreach (var peer in document.Peers) peer.DocumentClosed(document.Id);
    }

    private void RemoveEntry(LiveDocument document)
    {
        if (_documents.TryGetValue(document.Id, out var lazy) && lazy.IsValueCreated && lazy.Value.IsCompletedSuccessfully && lazy.Value.Result == document)
        {
            _documents.TryRemove(new KeyValuePair<string, Lazy<Task<LiveDocument>>>(document.Id, lazy));
        }
    }

    private void ScheduleUnload(LiveDocument document)
    {
        if (Options.IdleUnload <= TimeSpan.Zero) return;
        var generation = document.IdleGeneration;
        _ = UnloadWhenIdleAsync(document, generation);
    }

    private async Task UnloadWhenIdleAsync(LiveDocument document, int generation)
    {
        try
        {
            await Task.Delay(Options.IdleUnload, Time, _stopping.Token);
            await document.Gate.WaitAsync(_stopping.Token);
        }
        catch (OperationCanceledException)
        {
            return;
        }
        try
        {
            if (document.Closed || document.PeerCount > 0 || document.IdleGeneration != generation) return;
            await document.CompactAsync();
            document.Closed = true;
            RemoveEntry(document);
            Logger.Unloaded(document.Id);
        }
        finally
        {
            document.Gate.Release();
        }
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _awarenessLoop = RemoveOutdatedAwarenessAsync();
        return Task.CompletedTask;
    }

    private async Task RemoveOutdatedAwarenessAsync()
    {
        using var timer = new PeriodicTimer(Options.AwarenessCheckInterval, Time);
        try
        {
            while (await timer.WaitForNextTickAsync(_stopping.Token))
            {
                foreach (var document in await LoadedDocumentsAsync())
                {
                    await document.Gate.WaitAsync(_stopping.Token);
                    try
                    {
                        if (!document.Closed) document.RemoveOutdatedAwareness();
                    }
                    finally
                    {
                        document.Gate.Release();
                    }
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>On shutdown: fold every loaded document's log into its snapshot and close it.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        if (_awarenessLoop != null) await _awarenessLoop;
        foreach (var document in await LoadedDocumentsAsync())
        {
            await document.Gate.WaitAsync(CancellationToken.None);
            try
            {
                if (document.Closed) continue;
                await document.CompactAsync();
                document.Closed = true;
                RemoveEntry(document);
            }
            finally
            {
                document.Gate.Release();
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_stopping.IsCancellationRequested) await StopAsync(CancellationToken.None);
        _stopping.Dispose();
    }
}
