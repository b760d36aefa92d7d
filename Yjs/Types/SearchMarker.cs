using Diaryx.Sync.Lite.Yjs.Structs;

namespace Diaryx.Sync.Lite.Yjs.Types;

/// <summary>
/// A remembered (item, index) pair in a list so that consecutive local edits near the same place
/// do not walk the list from the start. A pure speed cache: any remote change drops it.
/// </summary>
public sealed class SearchMarker(Item item, int index)
{
    /// <summary>A live, countable item.</summary>
    public Item Item { get; set; } = item;

    /// <summary>The list index at which <see cref="Item"/> starts.</summary>
    public int Index { get; set; } = index;
}
