using Diaryx.Sync.Lite.Configuration;
using Diaryx.Sync.Lite.Documents;
using Diaryx.Sync.Lite.Storage;
using Diaryx.Sync.Lite.Sync;

namespace Diaryx.Sync.Lite.Http;

/// <summary>
/// <c>/auth</c> (reference http-storage.md §2.2): magic links, verification, the caller's account,
/// devices, logout and account deletion. Errors are <c>{"error": ...}</c> except where upstream
/// answers with an empty body (device deletion).
/// </summary>
internal static class AuthEndpoints
{
    public const string CheckEmailMessage = "Check your email for a sign-in link.";
    public const string DevLinkMessage = "Email not configured. Use the dev link below.";

    private static HttpJsonContext Json => HttpJsonContext.Web;

    public static IEndpointRouteBuilder MapAuth(this IEndpointRouteBuilder endpoints)
    {
        var auth = endpoints.MapGroup("/auth");
        auth.MapPost("/magic-link", RequestMagicLinkAsync);
        auth.MapGet("/verify", VerifyAsync);

        var signedIn = auth.MapGroup("").RequireToken();
        signedIn.MapGet("/me", MeAsync);
        signedIn.MapPost("/logout", LogoutAsync);
        signedIn.MapGet("/devices", DevicesAsync);
        signedIn.MapDelete("/devices/{deviceId}", DeleteDeviceAsync);
        signedIn.MapDelete("/account", DeleteAccountAsync);
        return endpoints;
    }

    internal static IResult Error(int status, string message) => Results.Json(new ErrorResponse(message), Json.ErrorResponse, statusCode: status);

    private static async Task<IResult> RequestMagicLinkAsync(
        HttpContext http, SqliteAccountStore accounts, ServerSettings settings, MagicLinkRateLimiter rateLimiter, IServiceProvider services, ILoggerFactory loggers)
    {
        if (rateLimiter.TryAcquireForClient(http.Connection.RemoteIpAddress) is { } clientWait)
        {
            return TooManyRequests(http, clientWait);
        }

        var (request, invalid) = await JsonBody.ReadAsync(http.Request, Json.MagicLinkRequest, http.RequestAborted);
        if (invalid != null)
        {
            return invalid;
        }

        var email = SqliteAccountStore.NormalizeEmail(request!.Email);
        if (email.Length < 5 || !email.Contains('@'))
        {
            return Error(StatusCodes.Status400BadRequest, "Invalid email address");
        }

        if (rateLimiter.TryAcquireForEmail(email) is { } emailWait)
        {
            return TooManyRequests(http, emailWait);
        }

        var logger = loggers.CreateLogger("Diaryx.Sync.Lite.Http.MagicLink");
        string token;
        try
        {
            token = await accounts.CreateMagicTokenAsync(email, settings.MagicLinkExpiry);
        }
        catch (Exception e) when (e is StorageException or Microsoft.Data.Sqlite.SqliteException)
        {
            logger.LogError(e, "Could not create a magic link");
            return Error(StatusCodes.Status500InternalServerError, "Failed to create magic link");
        }

        var link = MagicLink(settings.AppBaseUrl, token);
        string message;
        if (services.GetService<MagicLinkMailer>() is { } mailer)
        {
            if (!await mailer.TrySendAsync(email, link, http.RequestAborted))
            {
                return Error(StatusCodes.Status500InternalServerError, "Failed to send email");
            }

            message = CheckEmailMessage;
        }
        else if (settings.Dev)
        {
            message = DevLinkMessage;
        }
        else
        {
            // No SMTP and no --dev: the operator reads the link here and passes it on.
            logger.LogWarning("Email is not configured (--smtp-host); sign-in link for {Email}: {Link}", email, link);
            message = CheckEmailMessage;
        }

        return Results.Json(new MagicLinkResponse(true, message, settings.Dev ? link : null), Json.MagicLinkResponse);
    }

    /// <summary>429 with upstream's error text and <c>Retry-After</c> (whole seconds) from the rate limiter.</summary>
    private static IResult TooManyRequests(HttpContext http, TimeSpan retryAfter)
    {
        http.Response.Headers.RetryAfter = ((long)Math.Ceiling(retryAfter.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
        return Error(StatusCodes.Status429TooManyRequests, "Too many requests. Please try again later.");
    }

    /// <summary>
    /// <c>&lt;app base url&gt;?token=&lt;token&gt;</c>, joined with <c>&amp;</c> when the base already has a
    /// query and kept before any fragment (upstream concatenates blindly).
    /// </summary>
    internal static string MagicLink(Uri appBaseUrl, string token)
    {
        var text = appBaseUrl.OriginalString.Trim();
        var fragmentAt = text.IndexOf('#');
        var (head, fragment) = fragmentAt < 0 ? (text, "") : (text[..fragmentAt], text[fragmentAt..]);
        var separator = !head.Contains('?') ? "?" : head.EndsWith('?') || head.EndsWith('&') ? "" : "&";
        return $"{head}{separator}token={Uri.EscapeDataString(token)}{fragment}";
    }

    private static async Task<IResult> VerifyAsync(HttpContext http, SqliteAccountStore accounts, ILoggerFactory loggers)
    {
        var query = http.Request.Query;
        if (query["token"] is not [{ } token])
        {
            return Results.Text("Failed to deserialize query string: missing field `token`", "text/plain; charset=utf-8",
                statusCode: StatusCodes.Status400BadRequest);
        }

        var deviceName = query["device_name"] is [{ Length: > 0 } name] ? name : null;
        try
        {
            if (await accounts.ConsumeMagicTokenAsync(token) is not { } email)
            {
                return Error(StatusCodes.Status400BadRequest, "Invalid or expired link. Please request a new one.");
            }

            var issued = await accounts.IssueTokenAsync(email, deviceName);
            return Results.Json(new VerifyResponse(true, issued.Token, new UserDto(issued.UserId, email)), Json.VerifyResponse);
        }
        catch (Exception e) when (e is StorageException or Microsoft.Data.Sqlite.SqliteException)
        {
            loggers.CreateLogger("Diaryx.Sync.Lite.Http.Verify").LogError(e, "Verification failed");
            return Error(StatusCodes.Status500InternalServerError, "Verification failed");
        }
    }

    private static async Task<IResult> MeAsync(HttpContext http, SqliteAccountStore accounts)
    {
        var caller = http.GetCaller();
        var workspaces = await accounts.ListWorkspacesAsync(caller.UserId);
        var devices = await accounts.ListDevicesAsync(caller.UserId);
        return Results.Json(
            new MeResponse(
                new UserDto(caller.UserId, caller.Identity.Email),
                [.. workspaces.Select(w => new WorkspaceDto(w.Id, w.Name))],
                [.. devices.Select(ToDto)]),
            Json.MeResponse);
    }

    private static DeviceDto ToDto(DeviceInfo device) => new(device.Id, device.Name, Rfc3339.Format(device.LastSeenAt));

    /// <summary>Ends the presented session and closes its device's live connections; always 204.</summary>
    private static async Task<IResult> LogoutAsync(HttpContext http, AccessChanges changes)
    {
        var caller = http.GetCaller();
        await changes.SignOutAsync(caller.Token, caller.DeviceId);
        return Results.NoContent();
    }

    private static async Task<IResult> DevicesAsync(HttpContext http, SqliteAccountStore accounts)
    {
        var devices = await accounts.ListDevicesAsync(http.GetCaller().UserId);
        return Results.Json((IReadOnlyList<DeviceDto>)[.. devices.Select(ToDto)], Json.IReadOnlyListDeviceDto);
    }

    /// <summary>Empty bodies like upstream: 400 for the caller's own device, 404 for one it does not own, else 204.</summary>
    private static async Task<IResult> DeleteDeviceAsync(string deviceId, HttpContext http, AccessChanges changes)
    {
        var caller = http.GetCaller();
        if (deviceId == caller.DeviceId)
        {
            return Results.StatusCode(StatusCodes.Status400BadRequest);
        }

        if (!await changes.RemoveDeviceAsync(caller.UserId, deviceId))
        {
            return Results.StatusCode(StatusCodes.Status404NotFound);
        }

        return Results.NoContent();
    }

    private static async Task<IResult> DeleteAccountAsync(HttpContext http, AccountDeletion deletion, ILoggerFactory loggers)
    {
        try
        {
            await deletion.DeleteAsync(http.GetCaller().UserId, CancellationToken.None);
            return Results.NoContent();
        }
        catch (Exception e) when (e is StorageException or Microsoft.Data.Sqlite.SqliteException or DocumentUnavailableException)
        {
            loggers.CreateLogger("Diaryx.Sync.Lite.Http.Account").LogError(e, "Account deletion failed");
            return Error(StatusCodes.Status500InternalServerError, "Failed to delete account");
        }
    }
}
