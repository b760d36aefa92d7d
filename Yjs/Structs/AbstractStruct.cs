using Diaryx.Sync.Lite.Yjs.Lib0;
using Diaryx.Sync.Lite.Yjs.Utils;

namespace Diaryx.Sync.Lite.Yjs.Structs;

/// <summary>A run of consecutive clocks from one client: an <see cref="Item"/>, a <see cref="GcStruct"/> or a <see cref="SkipStruct"/>.</summary>
public abstract class AbstractStruct(long client, long clock, long length)
{
    public long Client = client;
    public long Clock = clock;
    public long Length = length;

    public Id Id => new(Client, Clock);

    /// <summary>The clock just after this struct.</summary>
    public long End => Clock + Length;

    public abstract bool Deleted { get; }

    /// <summary>Writes this struct in update v1 form starting <paramref name="offset"/> units in.</summary>
    public abstract void Write(Lib0Writer writer, long offset);

    /// <summary>Appends <paramref name="right"/> to this struct if both can form one run.</summary>
    public abstract bool TryMergeWith(AbstractStruct right);
}
