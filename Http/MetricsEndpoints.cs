using System.Globalization;
using System.Text;
using Diaryx.Sync.Lite.Configuration;
using Diaryx.Sync.Lite.Documents;
using Diaryx.Sync.Lite.Storage;

namespace Diaryx.Sync.Lite.Http;

/// <summary><c>GET /metrics</c>: the server's counters in the Prometheus text exposition format (0.0.4). No authentication.</summary>
internal static class MetricsEndpoints
{
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    public static IEndpointRouteBuilder MapMetrics(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/metrics", MetricsAsync);
        return endpoints;
    }

    private static async Task<IResult> MetricsAsync(
        DocumentHub hub, ConnectionCounter connections, SqliteAccountStore accounts, SqliteDocumentStore documents, ServerSettings settings)
    {
        var hubMetrics = hub.Metrics;
        var log = await documents.GetLogTotalsAsync();
        var text = new StringBuilder();
        Metric(text, "diaryx_connections", "gauge", "Open WebSocket connections (/sync and /sync2).", connections.Open);
        Metric(text, "diaryx_connections_total", "counter", "WebSocket connections accepted since start.", connections.Total);
        Metric(text, "diaryx_documents_loaded", "gauge", "Documents held in memory.", hub.LoadedCount);
        Metric(text, "diaryx_documents_active", "gauge", "Loaded documents with at least one connected peer.", hub.ActiveCount);
        Metric(text, "diaryx_workspaces", "gauge", "Workspaces of all accounts.", await accounts.CountWorkspacesAsync());
        Metric(text, "diaryx_awareness_clients", "gauge", "Awareness clients remembered by loaded documents (bounded per peer).", hub.AwarenessClientCount);
        Metric(text, "diaryx_updates_applied_total", "counter", "Updates from peers applied to live documents.", hubMetrics.UpdatesApplied);
        Metric(text, "diaryx_update_bytes_total", "counter", "Bytes of the updates applied.", hubMetrics.UpdateBytes);
        Metric(text, "diaryx_messages_relayed_total", "counter", "Sync and awareness messages relayed to peers.", hubMetrics.MessagesRelayed);
        Metric(text, "diaryx_relayed_bytes_total", "counter", "Bytes of the messages relayed.", hubMetrics.RelayedBytes);
        Metric(text, "diaryx_readonly_rejected_total", "counter", "Changes from read-only peers dropped.", hubMetrics.RejectedReadOnly);
        Metric(text, "diaryx_compactions_total", "counter", "Update logs folded into snapshots.", hubMetrics.Compactions);
        Metric(text, "diaryx_update_log_entries", "gauge", "Updates in the log not yet folded into a snapshot.", log.Count);
        Metric(text, "diaryx_update_log_bytes", "gauge", "Bytes of those updates.", log.Bytes);
        Metric(text, "diaryx_database_bytes", "gauge", "Size of the SQLite file and its write-ahead log.", DatabaseBytes(settings.DatabasePath));
        Metric(text, "process_cpu_seconds_total", "counter", "CPU time (user and system) of the server process.", Environment.CpuUsage.TotalTime.TotalSeconds);
        Metric(text, "process_resident_memory_bytes", "gauge", "Resident memory of the server process.", Environment.WorkingSet);
        Metric(text, "diaryx_gc_heap_bytes", "gauge", "Bytes on the managed heap: live objects and garbage not yet collected.", GC.GetTotalMemory(forceFullCollection: false));
        Metric(text, "diaryx_gc_allocated_bytes_total", "counter", "Bytes allocated on the managed heap since start.", GC.GetTotalAllocatedBytes());
        Metric(text, "diaryx_gc_collections_total", "counter", "Garbage collections since start (every one collects generation 0).", GC.CollectionCount(0));
        Metric(text, "diaryx_gc_pause_seconds_total", "counter", "Time every thread was stopped for garbage collection since start.", GC.GetTotalPauseDuration().TotalSeconds);
        return Results.Text(text.ToString(), ContentType);
    }

    private static void Metric(StringBuilder text, string name, string type, string help, long value) =>
        Metric(text, name, type, help, value.ToString(CultureInfo.InvariantCulture));

    private static void Metric(StringBuilder text, string name, string type, string help, double value) =>
        Metric(text, name, type, help, value.ToString("R", CultureInfo.InvariantCulture));

    private static void Metric(StringBuilder text, string name, string type, string help, string value) =>
        text.Append("# HELP ").Append(name).Append(' ').Append(help).Append('\n')
            .Append("# TYPE ").Append(name).Append(' ').Append(type).Append('\n')
            .Append(name).Append(' ').Append(value).Append('\n');

    private static long DatabaseBytes(string path) =>
        new[] { path, path + "-wal" }.Sum(file => File.Exists(file) ? new FileInfo(file).Length : 0);
}
