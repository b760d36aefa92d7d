using Diaryx.Sync.Lite.Access;
using Diaryx.Sync.Lite.Storage;

namespace Diaryx.Sync.Lite.Http;

/// <summary>The signed-in caller of an authenticated request, and the session token it presented.</summary>
public sealed record Caller(TokenIdentity Identity, string Token)
{
    public string UserId => Identity.UserId;
    public string DeviceId => Identity.DeviceId;
}

/// <summary>
/// Upstream's <c>RequireAuth</c> (reference http-storage.md §2.0), in one place: an endpoint filter
/// that takes the token from <c>Authorization: Bearer &lt;t&gt;</c>, else from the first raw
/// <c>token=</c> segment of the query string (not URL-decoded), validates it (which also touches the
/// device's last-seen time), and otherwise answers 401 <c>text/plain</c> <c>Authentication required</c>.
/// Handlers read the caller with <see cref="GetCaller"/>.
/// </summary>
internal static class Authentication
{
    private const string BearerPrefix = "Bearer ";
    private static readonly object CallerKey = new();

    /// <summary>Every endpoint of <paramref name="builder"/> needs a valid session token.</summary>
    public static TBuilder RequireToken<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.AddEndpointFilter(async (invocation, next) =>
        {
            var http = invocation.HttpContext;
            var token = TokenFrom(http.Request);
            var accounts = http.RequestServices.GetRequiredService<SqliteAccountStore>();
            if (token is null || await accounts.ValidateTokenAsync(token, http.RequestAborted) is not { } identity)
            {
                return Unauthorized();
            }

            http.Items[CallerKey] = new Caller(identity, token);
            return await next(invocation);
        });

    /// <summary>The caller <see cref="RequireToken"/> authenticated.</summary>
    public static Caller GetCaller(this HttpContext http) =>
        http.Items.TryGetValue(CallerKey, out var caller) && caller is Caller c
            ? c
            : throw new InvalidOperationException("the endpoint has no RequireToken filter");

    public static IResult Unauthorized() =>
        Results.Text("Authentication required", "text/plain; charset=utf-8", statusCode: StatusCodes.Status401Unauthorized);

    /// <summary>The bearer token, else the raw <c>token=</c> query segment, else null.</summary>
    internal static string? TokenFrom(HttpRequest request)
    {
        foreach (var header in request.Headers.Authorization)
        {
            if (header is not null && header.StartsWith(BearerPrefix, StringComparison.Ordinal))
            {
                return header[BearerPrefix.Length..];
            }
        }

        var query = request.QueryString.Value;
        if (string.IsNullOrEmpty(query))
        {
            return null;
        }

        foreach (var segment in query.TrimStart('?').Split('&'))
        {
            if (segment.StartsWith("token=", StringComparison.Ordinal))
            {
                return segment["token=".Length..];
            }
        }

        return null;
    }
}
