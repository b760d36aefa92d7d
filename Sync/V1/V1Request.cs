using System.Diagnostics.CodeAnalysis;
using Diaryx.Sync.Lite.Documents;
using Microsoft.AspNetCore.Http;

namespace Diaryx.Sync.Lite.Sync.V1;

/// <summary>The three kinds of <c>/sync</c> socket; each exists for a token holder and a share-session guest.</summary>
public enum V1Mode
{
    /// <summary>The workspace document (Y.Map <c>files</c>).</summary>
    Metadata,
    /// <summary>One body document (<c>file=</c>), plain y-websocket: what the stock WebsocketProvider speaks.</summary>
    SingleFile,
    /// <summary>Every body document of the workspace, framed by path (<c>multiplexed=true</c>).</summary>
    Multiplexed,
}

/// <summary>
/// The query of a <c>/sync</c> request: <c>doc</c>, <c>token</c>, <c>session</c>, <c>guest_id</c>, <c>file</c>,
/// <c>multiplexed</c> (nothing else is read). <c>multiplexed=true</c> wins over <c>file</c>.
/// </summary>
public sealed record V1Request(string? Doc, string? Token, string? Session, string? GuestId, string? File, bool Multiplexed)
{
    public V1Mode Mode => Multiplexed ? V1Mode.Multiplexed : File != null ? V1Mode.SingleFile : V1Mode.Metadata;

    /// <summary>Reads the query; false for a <c>multiplexed</c> that is not <c>true</c>/<c>false</c> or a <c>file</c> that is not a safe relative path.</summary>
    public static bool TryParse(IQueryCollection query, [NotNullWhen(true)] out V1Request? request, [NotNullWhen(false)] out string? error)
    {
        request = null;
        error = null;
        string? Get(string name) => query.TryGetValue(name, out var values) ? values[^1] ?? "" : null;

        var multiplexed = false;
        if (Get("multiplexed") is { } rawMultiplexed)
        {
            if (rawMultiplexed is "true") multiplexed = true;
            else if (rawMultiplexed is not "false")
            {
                error = "multiplexed must be true or false";
                return false;
            }
        }
        var file = Get("file");
        if (file != null && !multiplexed && !DocumentId.IsValidPath(file, out var invalid))
        {
            error = $"invalid file: {invalid}";
            return false;
        }
        request = new V1Request(Get("doc"), Get("token"), Get("session"), Get("guest_id"), file, multiplexed);
        return true;
    }
}
