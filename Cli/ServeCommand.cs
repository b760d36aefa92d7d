using Diaryx.Sync.Lite.Configuration;
using Diaryx.Sync.Lite.Http;
using Diaryx.Sync.Lite.Documents;
using Diaryx.Sync.Lite.Storage;
using Diaryx.Sync.Lite.Sync;
using Diaryx.Sync.Lite.Sync.V1;
using Diaryx.Sync.Lite.Sync.V2;

namespace Diaryx.Sync.Lite.Cli;

/// <summary>
/// <c>serve</c>: builds the web host from <see cref="ServerSettings"/> (<see cref="BuildApp"/>, the
/// one place where services and endpoints are wired) and runs it until SIGINT/SIGTERM.
/// </summary>
internal static class ServeCommand
{
    /// <summary>Runs the server; 0 after a graceful shutdown, 1 when it cannot start (e.g. port in use).</summary>
    public static async Task<int> RunAsync(ServerSettings settings, CancellationToken cancellationToken)
    {
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(settings.DatabasePath)!);
            Directory.CreateDirectory(settings.WorkspacesDir);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            await Console.Error.WriteLineAsync($"error: cannot create the data directories: {e.Message}");
            return 1;
        }

        // Disposing the app disposes every service (storage commits queued writes and closes the database).
        await using var app = BuildApp(settings);
        try
        {
            // Open (and migrate) the database now: a bad file fails at startup, not on the first request.
            app.Services.GetRequiredService<SqliteDatabase>();
            await app.StartAsync(cancellationToken);
        }
        catch (StorageException e)
        {
            await Console.Error.WriteLineAsync($"error: {e.Message}");
            return 1;
        }
        catch (IOException e)
        {
            // Kestrel: "Failed to bind to address http://127.0.0.1:3030: address already in use."
            await Console.Error.WriteLineAsync($"error: {e.Message}");
            return 1;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return 0;
        }

        // Returns once SIGINT/SIGTERM (handled by the host's console lifetime) or the token stops
        // the app, after every hosted service has stopped.
        await app.WaitForShutdownAsync(cancellationToken);
        return 0;
    }

    /// <summary>The web application: logging, services, endpoints. Not started.</summary>
    public static WebApplication BuildApp(ServerSettings settings)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            // appsettings.json (its Logging section) is read from beside the executable, not the working directory.
            ContentRootPath = AppContext.BaseDirectory,
        });

        if (settings.LogLevel is { } level)
        {
            builder.Configuration.AddInMemoryCollection(LogLevelOverrides(level));
        }

        builder.WebHost.UseUrls(settings.ListenUrl);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            // Kestrel waits KeepAliveTimeout for the first byte of a request, then RequestHeadersTimeout
            // for the rest of its headers: both bound how long a connection may hold on without a request.
            kestrel.Limits.KeepAliveTimeout = settings.Limits.HandshakeTimeout;
            kestrel.Limits.RequestHeadersTimeout = settings.Limits.HandshakeTimeout;
        });
        builder.WebHost.UseSockets(DirectWebSocket.ConfigureSockets);

        // Services.
        var services = builder.Services;
        services.AddSingleton(settings);
        services.AddDiaryxStorage(settings.DatabasePath, (int)settings.SessionExpiry.TotalDays);
        services.AddDocumentHub(new HubOptions { IdleUnload = settings.IdleUnload }, new SyncOptions
        {
            MaxMessageBytes = settings.Limits.MaxFrameBytes,
            MaxDocumentsPerConnection = settings.Limits.MaxDocsPerConnection,
            FirstMessageTimeout = settings.Limits.HandshakeTimeout,
            IdleTimeout = settings.Limits.IdleTimeout > TimeSpan.Zero ? settings.Limits.IdleTimeout : null,
        });
        // Pings find peers that vanished without closing (a laptop shut, a network gone): their
        // sockets are dropped, freeing the connection slot and leaving their documents.
        services.Configure<WebSocketOptions>(webSockets =>
        {
            webSockets.KeepAliveInterval = settings.Limits.PingInterval;
            webSockets.KeepAliveTimeout = settings.Limits.PingTimeout;
        });
        services.AddHostedService<WorkspaceMirror>(); // after the hub, so it stops (and flushes) first
        services.AddHttpApi(settings);

        var app = builder.Build();

        // Endpoints.
        app.UseWebSockets();
        app.UseHttpApi();
        app.MapHealth();
        app.MapAuth();
        app.MapApi();
        app.MapSnapshots();
        app.MapSessions();
        app.MapMetrics();
        app.MapSyncV1(new SyncV1Options { Handshake = settings.V1Handshake });
        app.MapSyncV2();

        return app;
    }

    /// <summary>
    /// <c>--log-level</c> sets the default level (and the startup/shutdown lines of
    /// <c>Microsoft.Hosting.Lifetime</c>); ASP.NET Core's per-request categories keep their
    /// appsettings.json level (Warning) unless <c>--log-level</c> is stricter.
    /// </summary>
    internal static Dictionary<string, string?> LogLevelOverrides(LogLevel level)
    {
        var overrides = new Dictionary<string, string?>
        {
            ["Logging:LogLevel:Default"] = level.ToString(),
            ["Logging:LogLevel:Microsoft.Hosting.Lifetime"] = level.ToString(),
        };
        if (level > LogLevel.Warning)
        {
            overrides["Logging:LogLevel:Microsoft.AspNetCore"] = level.ToString();
        }

        return overrides;
    }
}
