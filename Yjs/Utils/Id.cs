namespace Diaryx.Sync.Lite.Yjs.Utils;

/// <summary>A Yjs struct id: the author's client id and a clock counting that client's units.</summary>
public readonly record struct Id(long Client, long Clock)
{
    public override string ToString() => $"({Client},{Clock})";
}
