using Diaryx.Sync.Lite.Yjs.Lib0;

namespace Diaryx.Sync.Lite.Yjs.Protocols;

/// <summary>Which clients an awareness update added, updated (changed or renewed) and removed.</summary>
public sealed record AwarenessChange(IReadOnlyList<long> Added, IReadOnlyList<long> Updated, IReadOnlyList<long> Removed)
{
    public static readonly AwarenessChange None = new([], [], []);

    /// <summary>Every client the change touched, in the order y-protocols reports them.</summary>
    public IEnumerable<long> All => Added.Concat(Updated).Concat(Removed);

    public bool IsEmpty => Added.Count == 0 && Updated.Count == 0 && Removed.Count == 0;
}

/// <summary>
/// The y-protocols awareness store (cursors, names, presence): per client a JSON state and a clock.
/// A newer clock wins; a null state removes the client; states not renewed within
/// <see cref="OutdatedTimeout"/> are dropped. Not thread-safe.
/// </summary>
public sealed class Awareness(long clientId, TimeProvider? time = null)
{
    public static readonly TimeSpan OutdatedTimeout = TimeSpan.FromSeconds(30);

    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private readonly Dictionary<long, AnyValue> _states = [];
    private readonly Dictionary<long, (long Clock, DateTimeOffset LastUpdated)> _meta = [];

    /// <summary>This side's own client id (a server usually has no state of its own).</summary>
    public long ClientId { get; } = clientId;

    public IReadOnlyDictionary<long, AnyValue> States => _states;

    public long ClockOf(long client) => _meta.TryGetValue(client, out var meta) ? meta.Clock : 0;

    public AnyValue? LocalState => _states.GetValueOrDefault(ClientId);

    public void SetLocalState(AnyValue? state)
    {
        var clock = _meta.TryGetValue(ClientId, out var meta) ? meta.Clock + 1 : 0;
        if (state == null || state is AnyNull) _states.Remove(ClientId);
        else _states[ClientId] = state;
        _meta[ClientId] = (clock, _time.GetUtcNow());
    }

    /// <summary>Applies an awareness update; the whole update is decoded before anything changes.</summary>
    public AwarenessChange ApplyUpdate(byte[] update)
    {
        var entries = Decode(update);
        var now = _time.GetUtcNow();
        List<long> added = [], updated = [], removed = [];
        foreach (var (client, receivedClock, state) in entries)
        {
            var clock = receivedClock;
            var known = _meta.TryGetValue(client, out var meta);
            var currentClock = known ? meta.Clock : 0;
            var isRemoval = state is AnyNull;
            if (!(currentClock < clock || (currentClock == clock && isRemoval && _states.ContainsKey(client)))) continue;
            if (isRemoval)
            {
                // Nobody else may remove our own live state: answer with a newer clock instead.
                if (client == ClientId && LocalState != null) clock++;
                else _states.Remove(client);
            }
            else
            {
                _states[client] = state;
            }
            _meta[client] = (clock, now);
            if (!known && !isRemoval) added.Add(client);
            else if (known && isRemoval) removed.Add(client);
            else if (!isRemoval) updated.Add(client);
        }
        return new AwarenessChange(added, updated, removed);
    }

    private static List<(long Client, long Clock, AnyValue State)> Decode(byte[] update)
    {
        var reader = new Lib0Reader(update);
        var count = reader.ReadVarLength();
        var entries = new List<(long, long, AnyValue)>(Math.Min(count, reader.Remaining / 3));
        for (var i = 0; i < count; i++)
        {
            var client = reader.ReadVarUInt();
            var clock = reader.ReadVarUInt();
            entries.Add((client, clock, JsJson.Parse(reader.ReadVarString())));
        }
        return entries;
    }

    /// <summary>An awareness update carrying the current state (or null) and clock of each client.</summary>
    public byte[] EncodeUpdate(IEnumerable<long> clients)
    {
        var known = clients.Where(_meta.ContainsKey).ToList();
        var writer = new Lib0Writer();
        writer.WriteVarUInt((ulong)known.Count);
        foreach (var client in known)
        {
            writer.WriteVarUInt(client);
            writer.WriteVarUInt(_meta[client].Clock);
            // y-protocols writes `state || null`: a falsy state goes out as null.
            var state = _states.GetValueOrDefault(client) is { IsTruthy: true } s ? s : AnyValue.Null;
            writer.WriteVarString(JsJson.Stringify(state)!);
        }
        return writer.ToArray();
    }

    /// <summary>Clients whose clock is remembered (with a state, or removed less than <see cref="OutdatedTimeout"/> ago).</summary>
    public int KnownClientCount => _meta.Count;

    /// <summary>Forgets clients as if their update had never come (state and clock): for new clients a receiver refuses.</summary>
    public void Discard(IEnumerable<long> clients)
    {
        foreach (var client in clients)
        {
            if (client == ClientId) continue;
            _states.Remove(client);
            _meta.Remove(client);
        }
    }

    /// <summary>Removes the given clients' states (e.g. those a closed connection owned).</summary>
    public AwarenessChange RemoveStates(IEnumerable<long> clients)
    {
        var removed = new List<long>();
        foreach (var client in clients)
        {
            if (!_states.Remove(client)) continue;
            if (client == ClientId) _meta[client] = (_meta[client].Clock + 1, _time.GetUtcNow());
            removed.Add(client);
        }
        return new AwarenessChange([], [], removed);
    }

    /// <summary>
    /// Drops remote states that were not renewed within <see cref="OutdatedTimeout"/>, and forgets the
    /// clocks of clients removed that long ago (a server sees endless client ids come and go; a clock
    /// only matters while late updates of that client may still arrive).
    /// </summary>
    public AwarenessChange RemoveOutdated()
    {
        var now = _time.GetUtcNow();
        var outdated = _meta
            .Where(e => e.Key != ClientId && now - e.Value.LastUpdated >= OutdatedTimeout)
            .Select(e => e.Key)
            .ToList();
        foreach (var client in outdated.Where(c => !_states.ContainsKey(c))) _meta.Remove(client);
        return RemoveStates(outdated);
    }
}
