using Diaryx.Sync.Lite.Yjs.Lib0;

namespace Diaryx.Sync.Lite.Yjs.Protocols;

public enum SyncMessageType
{
    /// <summary>Carries the sender's state vector; answered with <see cref="Step2"/>.</summary>
    Step1 = 0,
    /// <summary>Carries what the receiver lacked (an update v1).</summary>
    Step2 = 1,
    /// <summary>Carries a live update v1.</summary>
    Update = 2,
}

/// <summary>One y-protocols sync message: its type and payload (a state vector or an update).</summary>
public readonly record struct SyncMessage(SyncMessageType Type, byte[] Payload);

/// <summary>The y-protocols sync messages (<c>y-protocols/sync.js</c>), as sent inside y-websocket message 0.</summary>
public static class SyncProtocol
{
    public static SyncMessage Read(Lib0Reader reader)
    {
        var type = reader.ReadVarUInt();
        if (type > (long)SyncMessageType.Update) throw new YjsDecodeException($"Unknown sync message type {type}");
        return new SyncMessage((SyncMessageType)type, reader.ReadVarBytes());
    }

    public static void Write(Lib0Writer writer, SyncMessage message)
    {
        writer.WriteVarUInt((ulong)message.Type);
        writer.WriteVarBytes(message.Payload);
    }

    public static void WriteStep1(Lib0Writer writer, YDoc doc) => Write(writer, new SyncMessage(SyncMessageType.Step1, doc.EncodeStateVector()));

    /// <summary>Writes what the holder of <paramref name="stateVector"/> lacks.</summary>
    public static void WriteStep2(Lib0Writer writer, YDoc doc, byte[] stateVector) =>
        Write(writer, new SyncMessage(SyncMessageType.Step2, doc.EncodeStateAsUpdate(stateVector)));

    public static void WriteUpdate(Lib0Writer writer, byte[] update) => Write(writer, new SyncMessage(SyncMessageType.Update, update));

    /// <summary>
    /// Handles a received sync message as y-protocols' <c>readSyncMessage</c> does: a Step1 is
    /// answered into <paramref name="reply"/>, a Step2 or Update is applied to the document.
    /// Malformed payloads throw <see cref="YjsDecodeException"/> and change nothing.
    /// </summary>
    public static SyncMessageType Handle(Lib0Reader reader, Lib0Writer reply, YDoc doc, object? origin = null)
    {
        var message = Read(reader);
        if (message.Type == SyncMessageType.Step1) WriteStep2(reply, doc, message.Payload);
        else doc.ApplyUpdate(message.Payload, origin);
        return message.Type;
    }
}
