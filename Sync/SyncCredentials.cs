using Diaryx.Sync.Lite.Access;
using Microsoft.AspNetCore.Http;

namespace Diaryx.Sync.Lite.Sync;

internal static class SyncCredentials
{
    /// <summary>
    /// The token from <c>?token=</c> (wins, as upstream) or <c>Authorization: Bearer</c>; a share
    /// session from <c>?session=</c> with <c>?guest_id=</c> (one generated per connection if absent).
    /// </summary>
    public static Credentials From(HttpRequest request)
    {
        string? token = request.Query["token"];
        if (string.IsNullOrEmpty(token) && request.Headers.Authorization.ToString() is { } header && header.StartsWith("Bearer ", StringComparison.Ordinal))
        {
            token = header["Bearer ".Length..];
        }
        string? session = request.Query["session"];
        return new Credentials(token, string.IsNullOrEmpty(session) ? null : session, AccessPolicy.GuestIdFrom(request.Query["guest_id"]));
    }
}
