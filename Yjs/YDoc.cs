using System.Security.Cryptography;
using Diaryx.Sync.Lite.Yjs.Lib0;
using Diaryx.Sync.Lite.Yjs.Types;
using Diaryx.Sync.Lite.Yjs.Utils;

namespace Diaryx.Sync.Lite.Yjs;

/// <summary>
/// A Yjs document, byte-compatible with yjs 13.6 for update v1. Not thread-safe: one writer at a time.
/// </summary>
public sealed class YDoc(long? clientId = null, bool gc = true)
{
    private readonly Dictionary<string, YType> _share = new(StringComparer.Ordinal);
    private Transaction? _transaction;
    private Func<string, YType>? _getRoot;

    /// <summary>The id this document writes its own changes under (a random uint32, as yjs picks).</summary>
    public long ClientId { get; internal set; } = clientId ?? GenerateClientId();

    /// <summary>Whether deleted content is garbage-collected.</summary>
    public bool Gc { get; } = gc;

    public StructStore Store { get; } = new();

    public IReadOnlyDictionary<string, YType> Share => _share;

    /// <summary>Raised after each transaction that changed something, with its update v1 bytes.</summary>
    public event Action<byte[], Transaction>? Updated;

    public static long GenerateClientId() => RandomNumberGenerator.GetInt32(int.MinValue, int.MaxValue) & 0xFFFFFFFFL;

    /// <summary>The root type named <paramref name="name"/>, created untyped if it does not exist.</summary>
    public YType Get(string name)
    {
        if (!_share.TryGetValue(name, out var type))
        {
            type = new YType(TypeKind.Unknown) { Doc = this, RootName = name };
            _share[name] = type;
        }
        return type;
    }

    /// <summary><see cref="Get(string)"/> as a delegate made once (the decoder of every applied update takes it).</summary>
    internal Func<string, YType> GetRoot => _getRoot ??= Get;

    /// <summary>The root type <paramref name="name"/> as <paramref name="kind"/>; an untyped root takes that kind.</summary>
    public YType Get(string name, TypeKind kind)
    {
        var type = Get(name);
        if (type.Kind == TypeKind.Unknown) type.Kind = kind;
        else if (type.Kind != kind) throw new InvalidOperationException($"Type with the name {name} has already been defined as {type.Kind}");
        return type;
    }

    public YMap GetMap(string name) => new(Get(name, TypeKind.Map));
    public YText GetText(string name) => new(Get(name, TypeKind.Text));
    public YArray GetArray(string name) => new(Get(name, TypeKind.Array));
    public YXmlFragment GetXmlFragment(string name) => new(Get(name, TypeKind.XmlFragment));

    /// <summary>Runs <paramref name="action"/> in a transaction (joining the current one if any).</summary>
    public void Transact(Action<Transaction> action, object? origin = null) =>
        Transact(action, static (transaction, action) => action(transaction), origin, local: true);

    /// <summary>A transaction whose action takes its arguments from <paramref name="state"/>: a static action needs no closure.</summary>
    private void Transact<TState>(TState state, Action<Transaction, TState> action, object? origin, bool local)
    {
        if (_transaction != null)
        {
            if (!local) _transaction.Local = false;
            action(_transaction, state);
            return;
        }
        var transaction = new Transaction(this, origin, local);
        _transaction = transaction;
        byte[]? update;
        try
        {
            action(transaction, state);
        }
        finally
        {
            _transaction = null;
            update = transaction.Cleanup(encodeUpdate: Updated != null);
        }
        if (update != null) Updated?.Invoke(update, transaction);
    }

    /// <summary>
    /// Applies an update v1. The whole update is decoded first, so malformed input throws
    /// <see cref="YjsDecodeException"/> and leaves the document unchanged.
    /// </summary>
    public void ApplyUpdate(byte[] update, object? origin = null)
    {
        var decoded = UpdateDecoding.Read(update, GetRoot);
        Transact(decoded, static (transaction, decoded) => UpdateIntegration.Apply(transaction, decoded), origin, local: false);
    }

    public byte[] EncodeStateVector() => UpdateEncoding.WriteStateVector(Store.GetStateVector());

    /// <summary>Everything the holder of <paramref name="stateVector"/> lacks, pending data included.</summary>
    public byte[] EncodeStateAsUpdate(byte[]? stateVector = null)
    {
        var target = stateVector == null ? new Dictionary<long, long>() : UpdateDecoding.ReadStateVector(stateVector);
        var writer = new Lib0Writer();
        UpdateEncoding.WriteClientsStructs(writer, Store.Clients, target);
        DeleteSet.FromStore(Store).Write(writer);
        var state = writer.ToArray();
        if (!Store.HasPending) return state;
        var updates = new List<byte[]> { state };
        if (Store.PendingDeleteSet != null) updates.Add(Store.PendingDeleteSet.ToUpdate());
        if (Store.PendingStructs != null) updates.Add(Updates.Diff(Store.PendingStructs, stateVector ?? [0]));
        return Updates.Merge(updates);
    }
}
