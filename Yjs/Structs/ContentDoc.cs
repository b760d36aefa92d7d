using Diaryx.Sync.Lite.Yjs.Lib0;

namespace Diaryx.Sync.Lite.Yjs.Structs;

/// <summary>
/// A subdocument reference. The server keeps it as data; only the options yjs would re-create
/// (gc:false, autoLoad:true, meta) are written back, in that order, as yjs does.
/// </summary>
public sealed class ContentDoc : IContent
{
    public const byte RefNumber = 9;

    public ContentDoc(string guid, AnyValue options)
    {
        Guid = guid;
        var entries = new List<KeyValuePair<string, AnyValue>>();
        if (options is AnyObject obj)
        {
            if (obj.TryGet("gc", out var gc) && gc is not AnyUndefined && !gc.IsTruthy) entries.Add(new("gc", AnyValue.False));
            if (obj["autoLoad"].IsTruthy) entries.Add(new("autoLoad", AnyValue.True));
            if (obj.TryGet("meta", out var meta) && meta is not AnyUndefined and not AnyNull) entries.Add(new("meta", meta));
        }
        Options = AnyObject.FromEntries(entries);
    }

    public string Guid { get; }
    public AnyObject Options { get; }
    public int Length => 1;
    public bool Countable => true;
    public byte Ref => RefNumber;

    public IEnumerable<AnyValue> JsonValues() => [AnyObject.FromEntries([new("$doc", Guid)])];

    public IContent Splice(int offset) => throw new InvalidOperationException("Doc content has length 1");

    public bool TryMergeWith(IContent right) => false;

    public void Write(Lib0Writer writer, int offset)
    {
        writer.WriteVarString(Guid);
        AnyEncoding.Write(writer, Options);
    }
}
