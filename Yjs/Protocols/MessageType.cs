using Diaryx.Sync.Lite.Yjs.Lib0;

namespace Diaryx.Sync.Lite.Yjs.Protocols;

/// <summary>The first varuint of a y-websocket message (y-protocols' message types).</summary>
public enum MessageType
{
    Sync = 0,
    Awareness = 1,
    Auth = 2,
    QueryAwareness = 3,
}

/// <summary>Encoders for whole y-websocket messages (type prefix + body).</summary>
public static class Messages
{
    public static byte[] Sync(SyncMessage message)
    {
        var writer = new Lib0Writer(message.Payload.Length + 8);
        writer.WriteVarUInt((ulong)MessageType.Sync);
        SyncProtocol.Write(writer, message);
        return writer.ToArray();
    }

    public static byte[] SyncStep1(byte[] stateVector) => Sync(new SyncMessage(SyncMessageType.Step1, stateVector));

    public static byte[] SyncStep2(byte[] update) => Sync(new SyncMessage(SyncMessageType.Step2, update));

    public static byte[] Update(byte[] update) => Sync(new SyncMessage(SyncMessageType.Update, update));

    public static byte[] Awareness(byte[] awarenessUpdate)
    {
        var writer = new Lib0Writer(awarenessUpdate.Length + 6);
        writer.WriteVarUInt((ulong)MessageType.Awareness);
        writer.WriteVarBytes(awarenessUpdate);
        return writer.ToArray();
    }
}
