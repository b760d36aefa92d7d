using System.Net;
using System.Text.Json;
using Diaryx.Sync.Lite.Tests.Infrastructure;

namespace Diaryx.Sync.Lite.Tests.Http;

/// <summary>Smoke test: the real server process answers over real HTTP on loopback.</summary>
public sealed class HealthEndpointTests
{
    [Fact]
    public async Task Health_and_root_answer_over_real_http()
    {
        await using var server = await ServerProcess.StartAsync();
        using var http = server.CreateClient();

        using var health = await http.GetAsync("health");
        Assert.True(health.StatusCode == HttpStatusCode.OK, server.Output);
        Assert.Equal("application/json", health.Content.Headers.ContentType?.MediaType);
        using (var json = JsonDocument.Parse(await health.Content.ReadAsStringAsync()))
        {
            Assert.Equal("ok", json.RootElement.GetProperty("status").GetString());
        }

        using var root = await http.GetAsync("");
        Assert.Equal(HttpStatusCode.OK, root.StatusCode);
        using (var json = JsonDocument.Parse(await root.Content.ReadAsStringAsync()))
        {
            Assert.Equal("diaryx-sync-lite", json.RootElement.GetProperty("name").GetString());
        }
    }
}
