using Diaryx.Sync.Lite.Yjs.Lib0;
using Diaryx.Sync.Lite.Yjs.Structs;

namespace Diaryx.Sync.Lite.Yjs.Utils;

/// <summary>Writes structs and state vectors in update v1 form, in yjs's order (clients descending).</summary>
public static class UpdateEncoding
{
    /// <summary>
    /// Writes, for each client, the structs the target state vector lacks: clients the target
    /// knows but is behind on, plus clients it does not know at all (from their first struct).
    /// </summary>
    public static void WriteClientsStructs(Lib0Writer writer, Dictionary<long, List<AbstractStruct>> clients, IReadOnlyDictionary<long, long> target)
    {
        var toWrite = new List<KeyValuePair<long, long>>();
        foreach (var (client, clock) in target)
        {
            if (clients.TryGetValue(client, out var structs) && structs.Count > 0 && structs[^1].End > clock) toWrite.Add(new(client, clock));
        }
        foreach (var (client, structs) in clients)
        {
            if (!target.ContainsKey(client) && structs.Count > 0) toWrite.Add(new(client, 0));
        }
        WriteClientsStructs(writer, clients, toWrite);
    }

    /// <summary>Writes the structs of the clients in <paramref name="from"/> from the clock given for each (sorts it).</summary>
    public static void WriteClientsStructs(Lib0Writer writer, Dictionary<long, List<AbstractStruct>> clients, List<KeyValuePair<long, long>> from)
    {
        from.Sort((a, b) => b.Key.CompareTo(a.Key));
        writer.WriteVarUInt((ulong)from.Count);
        foreach (var (client, clock) in from) WriteStructs(writer, clients[client], client, clock);
    }

    private static void WriteStructs(Lib0Writer writer, List<AbstractStruct> structs, long client, long clock)
    {
        clock = Math.Max(clock, structs[0].Clock);
        var start = StructStore.FindIndex(structs, clock);
        writer.WriteVarUInt((ulong)(structs.Count - start));
        writer.WriteVarUInt(client);
        writer.WriteVarUInt(clock);
        var first = structs[start];
        first.Write(writer, clock - first.Clock);
        for (var i = start + 1; i < structs.Count; i++) structs[i].Write(writer, 0);
    }

    /// <summary>State vector bytes, clients descending.</summary>
    public static byte[] WriteStateVector(IReadOnlyDictionary<long, long> stateVector)
    {
        var writer = new Lib0Writer();
        writer.WriteVarUInt((ulong)stateVector.Count);
        foreach (var (client, clock) in stateVector.OrderByDescending(e => e.Key))
        {
            writer.WriteVarUInt(client);
            writer.WriteVarUInt(clock);
        }
        return writer.ToArray();
    }
}
