using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Diaryx.Sync.Lite.Tests.Infrastructure;

namespace Diaryx.Sync.Lite.Tests.Http;

/// <summary>Snapshot export/import over real HTTP, through the live hub, against real yjs clients.</summary>
public sealed class SnapshotEndpointTests(SyncServer server) : IClassFixture<SyncServer>
{
    private HttpClient Client(string token)
    {
        var http = server.Process.CreateClient();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return http;
    }

    private static ByteArrayContent Zip(byte[] bytes) => new(bytes) { Headers = { ContentType = new MediaTypeHeaderValue("application/zip") } };

    private static byte[] MakeZip(params (string Name, string Content)[] entries)
    {
        using var stream = new MemoryStream();
        using (var archive = new ZipArchive(stream, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var (name, content) in entries)
            {
                using var entry = archive.CreateEntry(name).Open();
                entry.Write(Encoding.UTF8.GetBytes(content));
            }
        }
        return stream.ToArray();
    }

    [Fact]
    public async Task Export_then_import_round_trips_and_reaches_connected_clients_live()
    {
        var user = await server.NewUserAsync();
        var ws = user.DefaultWorkspaceId;
        await server.RunV2ScenarioAsync("write", new { url = server.SyncV2Url, token = user.Token, workspace = ws, count = 2 });
        using var http = Client(user.Token);

        using var export = await http.GetAsync($"api/workspaces/{ws}/snapshot");
        Assert.Equal(HttpStatusCode.OK, export.StatusCode);
        Assert.Equal("application/zip", export.Content.Headers.ContentType?.MediaType);
        Assert.Equal($"diaryx-snapshot-{ws}.zip", export.Content.Headers.ContentDisposition?.FileName?.Trim('"'));
        var zip = await export.Content.ReadAsByteArrayAsync();
        using (var archive = new ZipArchive(new MemoryStream(zip)))
        {
            Assert.Equal(["keep/0.md", "keep/1.md"], archive.Entries.Select(e => e.FullName));
        }

        // A connected client sees an imported body change live.
        var changed = MakeZip(("keep/0.md", "---\ntitle: Kept 0\n---\n\nchanged by import"));
        var watching = server.RunV2ScenarioAsync("awaitBody", new { url = server.SyncV2Url, token = user.Token, workspace = ws, path = "keep/0.md", expected = "changed by import" });
        await Task.Delay(1000);
        using var import = await http.PostAsync($"api/workspaces/{ws}/snapshot?mode=merge", Zip(changed));
        Assert.Equal(HttpStatusCode.OK, import.StatusCode);
        Assert.Equal(1, JsonDocument.Parse(await import.Content.ReadAsStringAsync()).RootElement.GetProperty("files_imported").GetInt32());
        await watching;

        // Replace with the original export, then export again: the same bytes.
        using var restore = await http.PostAsync($"api/workspaces/{ws}/snapshot?mode=replace", Zip(zip));
        Assert.Equal(HttpStatusCode.OK, restore.StatusCode);
        using var again = await http.GetAsync($"api/workspaces/{ws}/snapshot");
        Assert.Equal(zip, await again.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task Bad_requests_are_refused_and_change_nothing()
    {
        var owner = await server.NewUserAsync();
        var other = await server.NewUserAsync();
        var ws = owner.DefaultWorkspaceId;
        await server.RunV2ScenarioAsync("write", new { url = server.SyncV2Url, token = owner.Token, workspace = ws, count = 1 });
        using var http = Client(owner.Token);
        var before = await (await http.GetAsync($"api/workspaces/{ws}/snapshot")).Content.ReadAsByteArrayAsync();

        var good = MakeZip(("x.md", "hello"));
        Assert.Equal(HttpStatusCode.BadRequest, (await http.PostAsync($"api/workspaces/{ws}/snapshot?mode=overwrite", Zip(good))).StatusCode);
        using (var unauthenticated = server.Process.CreateClient())
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await unauthenticated.GetAsync($"api/workspaces/{ws}/snapshot")).StatusCode);
        }
        using (var stranger = Client(other.Token))
        {
            Assert.Equal(HttpStatusCode.NotFound, (await stranger.GetAsync($"api/workspaces/{ws}/snapshot")).StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, (await stranger.PostAsync($"api/workspaces/{ws}/snapshot", Zip(good))).StatusCode);
        }

        var slip = await http.PostAsync($"api/workspaces/{ws}/snapshot?mode=replace", Zip(MakeZip(("fine.md", "ok"), ("../evil.md", "escape"))));
        Assert.Equal(HttpStatusCode.BadRequest, slip.StatusCode);
        Assert.Contains("evil.md", JsonDocument.Parse(await slip.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetString());
        Assert.Equal(HttpStatusCode.BadRequest, (await http.PostAsync($"api/workspaces/{ws}/snapshot", Zip("not a zip"u8.ToArray()))).StatusCode);
        // Expect: 100-continue lets the client read the early 413 instead of writing into a closed socket.
        using var oversized = new HttpRequestMessage(HttpMethod.Post, $"api/workspaces/{ws}/snapshot") { Content = Zip(new byte[(64 << 20) + 16]) };
        oversized.Headers.ExpectContinue = true;
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, (await http.SendAsync(oversized)).StatusCode);

        Assert.Equal(before, await (await http.GetAsync($"api/workspaces/{ws}/snapshot")).Content.ReadAsByteArrayAsync());
    }
}
