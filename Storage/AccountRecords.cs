namespace Diaryx.Sync.Lite.Storage;

/// <summary>A user account (<see cref="Email"/> normalised: trimmed, lowercase).</summary>
public sealed record UserAccount(string Id, string Email, DateTimeOffset CreatedAt, DateTimeOffset? LastLoginAt);

/// <summary>A workspace a user owns.</summary>
public sealed record WorkspaceInfo(string Id, string Name);

/// <summary>A signed-in device of a user.</summary>
public sealed record DeviceInfo(string Id, string? Name, DateTimeOffset LastSeenAt);
