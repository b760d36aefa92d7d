using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Diaryx.Sync.Lite.Tests.Infrastructure;

namespace Diaryx.Sync.Lite.Tests.Http;

/// <summary>An account signed in over HTTP (magic link → verify).</summary>
public sealed record SignedIn(string Token, string UserId, string Email, string WorkspaceId);

/// <summary>Real HTTP calls against the real server, and the Node scenarios of tests/node/clients/http-scenarios.mjs.</summary>
public static class HttpApi
{
    public static HttpRequestMessage Request(HttpMethod method, string path, string? token = null, string? json = null)
    {
        var request = new HttpRequestMessage(method, path);
        if (token != null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        if (json != null)
        {
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        }

        return request;
    }

    public static async Task<HttpResponseMessage> SendAsync(this HttpClient http, HttpMethod method, string path, string? token = null, string? json = null)
    {
        using var request = Request(method, path, token, json);
        return await http.SendAsync(request);
    }

    public static async Task<JsonElement> JsonAsync(this HttpResponseMessage response)
    {
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
    }

    public static Task<HttpResponseMessage> RequestMagicLinkAsync(this HttpClient http, string email) =>
        http.SendAsync(HttpMethod.Post, "auth/magic-link", json: JsonSerializer.Serialize(new { email }));

    /// <summary>The token in a magic link (the value of its <c>token</c> query parameter).</summary>
    public static string TokenOf(string link)
    {
        var query = new Uri(link).Query.TrimStart('?').Split('&');
        return Uri.UnescapeDataString(query.Single(p => p.StartsWith("token=", StringComparison.Ordinal))["token=".Length..]);
    }

    /// <summary>Magic link (reading <c>dev_link</c>: the server runs with --dev) → verify → the default workspace's id.</summary>
    public static async Task<SignedIn> SignInAsync(this HttpClient http, string? email = null, string? deviceName = null)
    {
        email ??= $"user-{Guid.NewGuid():N}@example.test";
        using var link = await http.RequestMagicLinkAsync(email);
        Assert.Equal(HttpStatusCode.OK, link.StatusCode);
        var magicToken = TokenOf((await link.JsonAsync()).GetProperty("dev_link").GetString()!);
        var verifyPath = $"auth/verify?token={magicToken}" + (deviceName is null ? "" : $"&device_name={Uri.EscapeDataString(deviceName)}");
        using var verify = await http.GetAsync(verifyPath);
        Assert.Equal(HttpStatusCode.OK, verify.StatusCode);
        var verified = await verify.JsonAsync();
        var token = verified.GetProperty("token").GetString()!;
        using var workspaces = await http.SendAsync(HttpMethod.Get, "api/workspaces", token);
        var workspaceId = (await workspaces.JsonAsync())[0].GetProperty("id").GetString()!;
        return new SignedIn(token, verified.GetProperty("user").GetProperty("id").GetString()!, email.Trim().ToLowerInvariant(), workspaceId);
    }

    /// <summary>Runs a scenario of tests/node/clients/http-scenarios.mjs against <paramref name="server"/>.</summary>
    public static async Task<JsonElement> RunHttpScenarioAsync(this SyncServer server, string scenario, object arguments)
    {
        var json = JsonSerializer.Serialize(arguments);
        try
        {
            var output = await NodeScript.RunAsync(Path.Combine("clients", "http-scenarios.mjs"), [scenario, json], timeout: TimeSpan.FromMinutes(2));
            return JsonDocument.Parse(output).RootElement;
        }
        catch (Exception exception)
        {
            throw new InvalidOperationException($"scenario {scenario} failed: {exception.Message}\n--- server output ---\n{server.Process.Output}", exception);
        }
    }

    public static string HttpUrl(this SyncServer server) => $"http://127.0.0.1:{server.Process.Port}";
}

/// <summary>
/// A <see cref="SyncServer"/> started with <c>--dev</c> (magic-link responses carry <c>dev_link</c>), and
/// without the per-address magic-link limit: every test of a class signs in from 127.0.0.1.
/// </summary>
public sealed class DevServer : IAsyncLifetime
{
    public SyncServer Server { get; } = SyncServer.With("--dev", "--magic-links-per-ip-per-hour", "0");

    public HttpClient CreateClient() => Server.Process.CreateClient();

    public Task InitializeAsync() => Server.InitializeAsync();

    public Task DisposeAsync() => Server.DisposeAsync();
}
