using Diaryx.Sync.Lite.Configuration;

namespace Diaryx.Sync.Lite.Http;

public static class HttpServiceCollectionExtensions
{
    /// <summary>
    /// What the HTTP API needs: source-generated JSON, CORS from <see cref="ServerSettings.CorsOrigins"/>,
    /// the connection counter (with <see cref="ServerLimits.MaxConnections"/>), the snapshot zip limits, the magic-link rate limits, account deletion and, when SMTP is configured, the magic-link mailer.
    /// </summary>
    public static IServiceCollection AddHttpApi(this IServiceCollection services, ServerSettings settings)
    {
        services.ConfigureHttpJsonOptions(options =>
        {
            options.SerializerOptions.TypeInfoResolverChain.Insert(0, HttpJsonContext.Web);
            options.SerializerOptions.Encoder = HttpJsonContext.Web.Options.Encoder;
        });
        services.AddCors(options => options.AddDefaultPolicy(policy =>
        {
            // Upstream: the exact origin list, with credentials. "*" allows any origin, without credentials
            // (reflecting every origin with credentials would let any site act for a signed-in user).
            if (settings.CorsOrigins.Contains("*"))
            {
                policy.AllowAnyOrigin();
            }
            else
            {
                policy.WithOrigins([.. settings.CorsOrigins]).AllowCredentials();
            }

            policy.WithMethods("GET", "POST", "PATCH", "DELETE", "OPTIONS").WithHeaders("Authorization", "Content-Type")
                .WithExposedHeaders("Retry-After"); // of a 429, for the web app on another origin
        }));
        services.AddSingleton(new ConnectionCounter(settings.Limits.MaxConnections));
        services.AddSingleton(settings.Limits.Snapshots);
        services.AddSingleton(_ => new MagicLinkRateLimiter(settings.Limits.MagicLinksPerEmailPerHour, settings.Limits.MagicLinksPerIpPerHour));
        services.AddSingleton<AccountDeletion>();
        if (settings.Smtp is { } smtp)
        {
            services.AddSingleton(provider => new MagicLinkMailer(smtp, settings.MagicLinkExpiry, provider.GetRequiredService<ILogger<MagicLinkMailer>>()));
        }

        return services;
    }

    /// <summary>CORS, connection counting and storage failures as 503; call after <c>UseWebSockets</c>, before the endpoints.</summary>
    public static IApplicationBuilder UseHttpApi(this IApplicationBuilder app) =>
        app.UseCors().UseConnectionCounting().UseStorageFailureHandling();
}
