namespace Diaryx.Sync.Lite.Documents;

/// <summary>
/// The connections that follow a workspace as a whole, beside its documents: they hear its events
/// (share-session changes, focus lists) even with no document open, and each may hold some files
/// "in focus". Keyed by connection, so two sockets of one device never share or clear each other's
/// state. Thread-safe; held by <see cref="DocumentHub"/> only while someone follows or focuses.
/// </summary>
internal sealed class WorkspaceRoom
{
    private readonly HashSet<IDocumentPeer> _followers = [];
    private readonly Dictionary<IDocumentPeer, HashSet<string>> _focus = [];

    public bool IsEmpty => _followers.Count == 0 && _focus.Count == 0;

    public IReadOnlyList<IDocumentPeer> Followers => [.. _followers];

    public void Follow(IDocumentPeer peer) => _followers.Add(peer);

    public void Unfollow(IDocumentPeer peer) => _followers.Remove(peer);

    /// <summary>Every focused path, each once, in ordinal order.</summary>
    public IReadOnlyList<string> FocusedPaths => [.. _focus.Values.SelectMany(paths => paths).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];

    /// <summary>Adds or removes paths of <paramref name="peer"/>'s focus; true if the set of focused paths changed.</summary>
    public bool ChangeFocus(IDocumentPeer peer, IEnumerable<string> paths, bool focused)
    {
        var before = FocusedPaths;
        if (focused)
        {
            if (!_focus.TryGetValue(peer, out var mine)) _focus[peer] = mine = new HashSet<string>(StringComparer.Ordinal);
            mine.UnionWith(paths);
            if (mine.Count == 0) _focus.Remove(peer);
        }
        else if (_focus.TryGetValue(peer, out var mine))
        {
            mine.ExceptWith(paths);
            if (mine.Count == 0) _focus.Remove(peer);
        }
        return !before.SequenceEqual(FocusedPaths, StringComparer.Ordinal);
    }

    /// <summary>Drops everything <paramref name="peer"/> focused; true if the set of focused paths changed.</summary>
    public bool ClearFocus(IDocumentPeer peer)
    {
        var before = FocusedPaths;
        return _focus.Remove(peer) && !before.SequenceEqual(FocusedPaths, StringComparer.Ordinal);
    }
}
