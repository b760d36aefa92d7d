using System.Globalization;
using System.Text.Json.Serialization;

namespace Diaryx.Sync.Lite.Http;

// The JSON bodies of /auth, /api and /api/sessions with the upstream field names (snake_case, see
// HttpJsonContext) in upstream's field order. Requests: required fields are `required` (missing or
// mistyped → 422, as upstream); nullable ones are optional.

/// <summary><c>{"error": "..."}</c>: the error body of <c>/auth</c> and <c>/api/sessions</c>.</summary>
public sealed record ErrorResponse(string Error);

public sealed class MagicLinkRequest
{
    public required string Email { get; init; }
}

public sealed record MagicLinkResponse(
    bool Success,
    string Message,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? DevLink);

public sealed record UserDto(string Id, string Email);

public sealed record VerifyResponse(bool Success, string Token, UserDto User);

public sealed record WorkspaceDto(string Id, string Name);

/// <summary>A device; <see cref="LastSeenAt"/> is RFC 3339 (<see cref="Rfc3339"/>).</summary>
public sealed record DeviceDto(string Id, string? Name, string LastSeenAt);

public sealed record MeResponse(UserDto User, IReadOnlyList<WorkspaceDto> Workspaces, IReadOnlyList<DeviceDto> Devices);

/// <summary>
/// <c>/api/status</c>: upstream's four keys with real counts, plus <see cref="LoadedDocuments"/> and
/// <see cref="Workspaces"/> (DESIGN §6).
/// </summary>
public sealed record StatusResponse(
    string Status,
    string Version,
    int ActiveConnections,
    int ActiveRooms,
    int LoadedDocuments,
    long Workspaces);

public sealed record HasDataResponse(bool HasData, int FileCount);

public sealed class CreateSessionRequest
{
    public required string WorkspaceId { get; init; }

    public bool? ReadOnly { get; init; }
}

public sealed record CreateSessionResponse(string Code, string WorkspaceId, bool ReadOnly);

public sealed record SessionInfoResponse(string Code, string WorkspaceId, bool ReadOnly, int PeerCount);

public sealed class UpdateSessionRequest
{
    public required bool ReadOnly { get; init; }
}

public sealed record UpdateSessionResponse(string Code, bool ReadOnly);

/// <summary>Timestamps as upstream writes them (chrono <c>to_rfc3339</c> of whole seconds): <c>2026-02-10T12:34:56+00:00</c>.</summary>
public static class Rfc3339
{
    public static string Format(DateTimeOffset value) =>
        value.ToUniversalTime().ToString("yyyy'-'MM'-'dd'T'HH':'mm':'ss'+00:00'", CultureInfo.InvariantCulture);
}

/// <summary>Answer to a snapshot import.</summary>
public sealed record SnapshotImportResponse(int FilesImported);
