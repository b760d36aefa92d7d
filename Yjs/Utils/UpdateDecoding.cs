using Diaryx.Sync.Lite.Yjs.Lib0;
using Diaryx.Sync.Lite.Yjs.Structs;
using Diaryx.Sync.Lite.Yjs.Types;

namespace Diaryx.Sync.Lite.Yjs.Utils;

/// <summary>One client's structs from an update, in clock order.</summary>
public sealed record StructGroup(long Client, List<AbstractStruct> Structs);

/// <summary>An update v1 decoded completely (structs and delete set) before anything is integrated.</summary>
public sealed record DecodedUpdate(List<StructGroup> Groups, DeleteSet DeleteSet);

/// <summary>Reads update v1 bytes into structs, validating everything a document relies on.</summary>
public static class UpdateDecoding
{
    private const int ContentRefMask = 0x1F;

    /// <summary>
    /// Decodes a whole update. With <paramref name="rootType"/> root parents are resolved to the
    /// document's types; without it they stay names (for working on updates without a document).
    /// </summary>
    public static DecodedUpdate Read(byte[] update, Func<string, YType>? rootType = null)
    {
        var reader = new Lib0Reader(update);
        var groups = ReadStructGroups(reader, rootType);
        var deleteSet = DeleteSet.Read(reader);
        return new DecodedUpdate(groups, deleteSet);
    }

    private static List<StructGroup> ReadStructGroups(Lib0Reader reader, Func<string, YType>? rootType)
    {
        var groupCount = reader.ReadVarLength();
        var groups = new List<StructGroup>(Math.Min(groupCount, reader.Remaining / 3));
        for (var g = 0; g < groupCount; g++)
        {
            var structCount = reader.ReadVarLength();
            var client = reader.ReadVarUInt();
            var clock = reader.ReadVarUInt();
            var structs = new List<AbstractStruct>(Math.Min(structCount, reader.Remaining));
            for (var s = 0; s < structCount; s++)
            {
                var item = ReadStruct(reader, client, clock, rootType);
                if (item.Length <= 0) throw new YjsDecodeException("Struct of length 0");
                if (item.End > Lib0Reader.MaxSafeInteger) throw new YjsDecodeException("Clock out of range");
                clock = item.End;
                structs.Add(item);
            }
            groups.Add(new StructGroup(client, structs));
        }
        return groups;
    }

    private static AbstractStruct ReadStruct(Lib0Reader reader, long client, long clock, Func<string, YType>? rootType)
    {
        var info = reader.ReadUInt8();
        switch (info & ContentRefMask)
        {
            case GcStruct.Ref:
                return new GcStruct(client, clock, reader.ReadVarUInt());
            case SkipStruct.Ref:
                return new SkipStruct(client, clock, reader.ReadVarUInt());
        }
        Id? origin = (info & 0x80) != 0 ? ReadId(reader) : null;
        Id? rightOrigin = (info & 0x40) != 0 ? ReadId(reader) : null;
        // Same-client references always point backwards; anything else cannot be integrated.
        if ((origin is { } o && o.Client == client && o.Clock >= clock) || (rightOrigin is { } r && r.Client == client && r.Clock >= clock))
        {
            throw new YjsDecodeException("Item refers to a later clock of its own client");
        }
        YType? parent = null;
        string? parentName = null;
        Id? parentId = null;
        string? parentSub = null;
        if (origin == null && rightOrigin == null)
        {
            if (reader.ReadVarUInt() == 1)
            {
                parentName = reader.ReadVarString();
                if (rootType != null)
                {
                    parent = rootType(parentName);
                    parentName = null;
                }
            }
            else
            {
                var id = ReadId(reader);
                if (id.Client == client && id.Clock >= clock) throw new YjsDecodeException("Item refers to a later clock of its own client");
                parentId = id;
            }
            if ((info & 0x20) != 0) parentSub = reader.ReadVarString();
        }
        var content = ReadContent(reader, info & ContentRefMask);
        return new Item(client, clock, origin, rightOrigin, parent, parentSub, content)
        {
            ParentName = parentName,
            ParentId = parentId,
        };
    }

    private static Id ReadId(Lib0Reader reader) => new(reader.ReadVarUInt(), reader.ReadVarUInt());

    private static IContent ReadContent(Lib0Reader reader, int contentRef) => contentRef switch
    {
        ContentDeleted.RefNumber => new ContentDeleted(reader.ReadVarLength()),
        ContentJson.RefNumber => ContentJson.Read(reader),
        ContentBinary.RefNumber => new ContentBinary(reader.ReadVarBytes()),
        ContentString.RefNumber => new ContentString(reader.ReadVarString()),
        ContentEmbed.RefNumber => new ContentEmbed(JsJson.Parse(reader.ReadVarString())),
        ContentFormat.RefNumber => new ContentFormat(reader.ReadVarString(), JsJson.Parse(reader.ReadVarString())),
        ContentType.RefNumber => ContentType.Read(reader),
        ContentAny.RefNumber => ReadAnyContent(reader),
        ContentDoc.RefNumber => new ContentDoc(reader.ReadVarString(), AnyEncoding.Read(reader)),
        _ => throw new YjsDecodeException($"Unknown content ref {contentRef}"),
    };

    private static ContentAny ReadAnyContent(Lib0Reader reader)
    {
        var count = reader.ReadVarLength();
        var values = new List<AnyValue>(Math.Min(count, reader.Remaining));
        for (var i = 0; i < count; i++) values.Add(AnyEncoding.Read(reader));
        return new ContentAny(values);
    }

    /// <summary>Reads a state vector; a later entry for the same client wins, as in yjs.</summary>
    public static Dictionary<long, long> ReadStateVector(byte[] stateVector)
    {
        var reader = new Lib0Reader(stateVector);
        var count = reader.ReadVarLength();
        var sv = new Dictionary<long, long>(Math.Min(count, reader.Remaining / 2));
        for (var i = 0; i < count; i++)
        {
            var client = reader.ReadVarUInt();
            sv[client] = reader.ReadVarUInt();
        }
        return sv;
    }
}
