using Diaryx.Sync.Lite.Documents;
using Diaryx.Sync.Lite.Storage;
using Microsoft.Data.Sqlite;

namespace Diaryx.Sync.Lite.Http;

/// <summary>
/// A storage failure that escapes an endpoint (the database locked by another process, the disk
/// full, a document whose change could not be stored) is a temporary condition, not a server bug:
/// it becomes 503 with a JSON error and <c>Retry-After</c>. What the request had not stored is not kept.
/// </summary>
public static class StorageFailureHandling
{
    private const int RetryAfterSeconds = 5;

    public static IApplicationBuilder UseStorageFailureHandling(this IApplicationBuilder app)
    {
        var logger = app.ApplicationServices.GetRequiredService<ILoggerFactory>().CreateLogger("Diaryx.Sync.Lite.Http.Storage");
        return app.Use(async (context, next) =>
        {
            try
            {
                await next(context);
            }
            catch (Exception exception) when (exception is SqliteException or StorageException or DocumentUnavailableException && !context.Response.HasStarted)
            {
                logger.LogError(exception, "{Method} {Path}: storage unavailable", context.Request.Method, context.Request.Path);
                context.Response.Clear();
                context.Response.Headers.RetryAfter = RetryAfterSeconds.ToString();
                await AuthEndpoints.Error(StatusCodes.Status503ServiceUnavailable, "Storage is unavailable (database locked or disk full). Try again shortly.")
                    .ExecuteAsync(context);
            }
        });
    }
}
