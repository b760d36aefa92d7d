namespace Diaryx.Sync.Lite.Storage.Snapshots;

/// <summary>
/// Bounds on a snapshot zip being imported (DESIGN.md §4, reference/http-storage.md §9). Every
/// bound is checked before anything is applied; inflated sizes are counted while reading, never
/// taken from the zip's headers. The HTTP endpoint should also cap the request body
/// (<see cref="MaxArchiveBytes"/> is the importer's own cap on what it buffers).
/// </summary>
public sealed record SnapshotLimits
{
    public static readonly SnapshotLimits Default = new();

    /// <summary>Largest zip accepted (bytes of the archive itself). Default 64 MiB.</summary>
    public long MaxArchiveBytes { get; init; } = 64L * 1024 * 1024;

    /// <summary>Most entries (files, directories and ignored entries alike). Default 10,000.</summary>
    public int MaxEntries { get; init; } = 10_000;

    /// <summary>Most bytes all markdown entries may inflate to together. Default 256 MiB.</summary>
    public long MaxTotalInflatedBytes { get; init; } = 256L * 1024 * 1024;

    /// <summary>Most bytes one markdown entry may inflate to. Default 32 MiB.</summary>
    public long MaxEntryInflatedBytes { get; init; } = 32L * 1024 * 1024;

    /// <summary>Longest entry name, in characters. Default 1024 (<see cref="Documents.DocumentId.MaxPathLength"/>).</summary>
    public int MaxPathLength { get; init; } = Documents.DocumentId.MaxPathLength;

    /// <summary>Longest segment (file or folder name) of an entry name, in characters. Default 255.</summary>
    public int MaxSegmentLength { get; init; } = 255;

    /// <summary>Most YAML nodes one file's frontmatter may expand to (aliases included). Default 100,000.</summary>
    public int MaxFrontmatterNodes { get; init; } = FrontmatterYaml.DefaultMaxNodes;
}
