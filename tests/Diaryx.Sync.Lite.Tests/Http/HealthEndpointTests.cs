using System.Net;
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
        Assert.Equal("text/plain", health.Content.Headers.ContentType?.MediaType);
        Assert.Equal("OK", await health.Content.ReadAsStringAsync());

        using var root = await http.GetAsync("");
        Assert.Equal(HttpStatusCode.OK, root.StatusCode);
        Assert.Equal("Diaryx Sync Server", await root.Content.ReadAsStringAsync());
    }
}
