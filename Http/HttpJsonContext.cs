using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Diaryx.Sync.Lite.Http;

/// <summary>
/// Source-generated JSON (no reflection, AOT-safe) for every HTTP body: snake_case names like the
/// upstream server, nulls written (only <c>dev_link</c> is omitted when absent), nullable annotations
/// and required members enforced when reading.
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    RespectNullableAnnotations = true,
    RespectRequiredConstructorParameters = true)]
[JsonSerializable(typeof(ErrorResponse))]
[JsonSerializable(typeof(MagicLinkRequest))]
[JsonSerializable(typeof(MagicLinkResponse))]
[JsonSerializable(typeof(VerifyResponse))]
[JsonSerializable(typeof(MeResponse))]
[JsonSerializable(typeof(IReadOnlyList<DeviceDto>))]
[JsonSerializable(typeof(IReadOnlyList<WorkspaceDto>))]
[JsonSerializable(typeof(WorkspaceDto))]
[JsonSerializable(typeof(StatusResponse))]
[JsonSerializable(typeof(HasDataResponse))]
[JsonSerializable(typeof(CreateSessionRequest))]
[JsonSerializable(typeof(CreateSessionResponse))]
[JsonSerializable(typeof(SessionInfoResponse))]
[JsonSerializable(typeof(UpdateSessionRequest))]
[JsonSerializable(typeof(UpdateSessionResponse))]
[JsonSerializable(typeof(SnapshotImportResponse))]
internal sealed partial class HttpJsonContext : JsonSerializerContext
{
    /// <summary>
    /// The context every endpoint writes with: as generated, plus an encoder that leaves <c>+</c>,
    /// <c>&amp;</c>, <c>&lt;</c> and non-ASCII text as they are (serde_json's output; the default
    /// encoder would write <c>+00:00</c> as <c>\u002B00:00</c>).
    /// </summary>
    public static HttpJsonContext Web { get; } = new(new JsonSerializerOptions
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        RespectNullableAnnotations = true,
        RespectRequiredConstructorParameters = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });
}
