using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Diaryx.Sync.Lite.Documents;

namespace Diaryx.Sync.Lite.Sync;

/// <summary>
/// The JSON control texts the server sends, with the upstream field names (a mix of camelCase and
/// snake_case that real clients depend on) and, like the upstream server, keys in sorted order.
/// </summary>
public static class ControlMessages
{
    private static readonly JsonWriterOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static string Write(Action<Utf8JsonWriter> body)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream, Options))
        {
            writer.WriteStartObject();
            body(writer);
            writer.WriteEndObject();
        }
        return Encoding.UTF8.GetString(stream.ToArray());
    }

    public static string SessionJoined(string joinCode, bool readOnly, string workspaceId) => Write(w =>
    {
        w.WriteString("joinCode", joinCode);
        w.WriteBoolean("readOnly", readOnly);
        w.WriteString("type", "session_joined");
        w.WriteString("workspaceId", workspaceId);
    });

    public static string FileManifest(string workspaceId, IEnumerable<WorkspaceFile> files) => Write(w =>
    {
        w.WriteBoolean("client_is_new", false);
        w.WriteStartArray("files");
        foreach (var file in files)
        {
            w.WriteStartObject();
            w.WriteBoolean("deleted", false);
            w.WriteString("doc_id", DocumentId.Body(workspaceId, file.Path).ToString());
            w.WriteString("filename", file.Path);
            w.WriteString("part_of", file.PartOf);
            w.WriteString("title", file.Title);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteString("type", "file_manifest");
    });

    public static string CrdtState(byte[] state) => Write(w =>
    {
        w.WriteString("state", Convert.ToBase64String(state));
        w.WriteString("type", "crdt_state");
    });

    public static string SyncComplete(int filesSynced) => Write(w =>
    {
        w.WriteNumber("files_synced", filesSynced);
        w.WriteString("type", "sync_complete");
    });

    public static string PeerJoined(string guestId, int peerCount) => PeerEvent("peer_joined", guestId, peerCount);

    public static string PeerLeft(string guestId, int peerCount) => PeerEvent("peer_left", guestId, peerCount);

    private static string PeerEvent(string type, string guestId, int peerCount) => Write(w =>
    {
        w.WriteString("guestId", guestId);
        w.WriteNumber("peer_count", peerCount);
        w.WriteString("type", type);
    });

    /// <summary>/sync (v1) manifest: one entry per files-map key (deleted ones included), <c>doc_id</c> = the key, <c>client_is_new</c> always true.</summary>
    public static string V1FileManifest(IEnumerable<WorkspaceFile> files) => Write(w =>
    {
        w.WriteBoolean("client_is_new", true);
        w.WriteStartArray("files");
        foreach (var file in files)
        {
            w.WriteStartObject();
            w.WriteBoolean("deleted", file.Deleted);
            w.WriteString("doc_id", file.Key);
            w.WriteString("filename", file.Filename);
            w.WriteString("part_of", file.PartOf);
            w.WriteString("title", file.Title);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteString("type", "file_manifest");
    });

    /// <summary>/sync (v1) peer events: snake_case <c>guest_id</c> (the Rust clients' serde names), unlike /sync2's <c>guestId</c>.</summary>
    public static string V1PeerJoined(string guestId, int peerCount) => V1PeerEvent("peer_joined", guestId, peerCount);

    public static string V1PeerLeft(string guestId, int peerCount) => V1PeerEvent("peer_left", guestId, peerCount);

    private static string V1PeerEvent(string type, string guestId, int peerCount) => Write(w =>
    {
        w.WriteString("guest_id", guestId);
        w.WriteNumber("peer_count", peerCount);
        w.WriteString("type", type);
    });

    public static string SyncProgress(int completed, int total) => Write(w =>
    {
        w.WriteNumber("completed", completed);
        w.WriteNumber("total", total);
        w.WriteString("type", "sync_progress");
    });

    public static string FocusListChanged(IEnumerable<string> files) => Write(w =>
    {
        w.WriteStartArray("files");
        foreach (var file in files) w.WriteStringValue(file);
        w.WriteEndArray();
        w.WriteString("type", "focus_list_changed");
    });

    public static string ReadOnlyChanged(bool readOnly) => Write(w =>
    {
        w.WriteBoolean("read_only", readOnly);
        w.WriteString("type", "read_only_changed");
    });

    public static string SessionEnded() => Write(w => w.WriteString("type", "session_ended"));

    /// <summary>Our addition: why a document was refused or a frame dropped (clients ignore unknown types).</summary>
    public static string Error(string? doc, string message) => Write(w =>
    {
        if (doc != null) w.WriteString("doc", doc);
        w.WriteString("message", message);
        w.WriteString("type", "error");
    });
}
