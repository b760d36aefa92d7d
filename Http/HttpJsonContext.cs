using System.Text.Json;
using System.Text.Json.Serialization;

namespace Diaryx.Sync.Lite.Http;

/// <summary>Source-generated JSON metadata for every HTTP request/response type (Native AOT).</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(ServerInfoResponse))]
[JsonSerializable(typeof(HealthResponse))]
internal sealed partial class HttpJsonContext : JsonSerializerContext;
