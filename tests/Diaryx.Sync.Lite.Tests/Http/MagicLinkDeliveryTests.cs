using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Diaryx.Sync.Lite.Tests.Infrastructure;

namespace Diaryx.Sync.Lite.Tests.Http;

/// <summary>Where the magic link goes without --dev: by SMTP when configured, else to the server's console; never into the response.</summary>
public sealed class MagicLinkDeliveryTests
{
    private static readonly Regex LinkInOutput = new(@"http://localhost:5173\?token=([A-Za-z0-9_-]{43})");

    [Fact]
    public async Task Without_smtp_or_dev_the_link_is_logged_and_not_returned()
    {
        var sync = SyncServer.With();
        await sync.InitializeAsync();
        await using var _ = sync.Process;
        var server = sync.Process;
        using var http = server.CreateClient();
        var email = $"user-{Guid.NewGuid():N}@example.test";

        using var response = await http.RequestMagicLinkAsync(email);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("""{"success":true,"message":"Check your email for a sign-in link."}""", await response.Content.ReadAsStringAsync());

        // The operator copies the link from the console; it works.
        Match match = Match.Empty;
        for (var i = 0; i < 100 && !(match = LinkInOutput.Match(server.Output)).Success; i++)
        {
            await Task.Delay(50);
        }

        Assert.True(match.Success, server.Output);
        Assert.Contains(email, server.Output);
        using var verify = await http.GetAsync($"auth/verify?token={match.Groups[1].Value}");
        Assert.Equal(HttpStatusCode.OK, verify.StatusCode);
        var verified = await verify.JsonAsync();
        Assert.Equal(email, verified.GetProperty("user").GetProperty("email").GetString());

        // ... and its session token syncs over /sync2 with real yjs clients.
        var token = verified.GetProperty("token").GetString()!;
        using var workspaces = await http.SendAsync(HttpMethod.Get, "api/workspaces", token);
        var workspace = (await workspaces.JsonAsync())[0].GetProperty("id").GetString();
        var converged = await sync.RunV2ScenarioAsync("converge", new { url = sync.SyncV2Url, token, workspace, clients = 2 });
        Assert.Equal(2, converged.GetProperty("files").GetArrayLength());
    }

    [Fact]
    public async Task With_smtp_the_link_is_mailed_and_not_returned()
    {
        await using var smtp = new FakeSmtpServer();
        await using var server = await ServerProcess.StartAsync(
            ["--smtp-host", "127.0.0.1", "--smtp-port", smtp.Port.ToString(), "--smtp-from-name", "Journal", "--smtp-from-email", "journal@example.test",
             "--app-base-url", "https://app.example.test/login?next=%2Fhome", "--magic-link-expiry-minutes", "20"]);
        using var http = server.CreateClient();
        var email = $"user-{Guid.NewGuid():N}@example.test";

        using var response = await http.RequestMagicLinkAsync(email);
        Assert.True(response.StatusCode == HttpStatusCode.OK, server.Output);
        Assert.Equal("""{"success":true,"message":"Check your email for a sign-in link."}""", await response.Content.ReadAsStringAsync());

        var (from, to, message) = Assert.Single(smtp.Messages);
        Assert.Contains("journal@example.test", from);
        Assert.Contains(email, Assert.Single(to));
        Assert.Equal("Sign in to Diaryx", message.Subject);
        var sender = message.From.Mailboxes.Single();
        Assert.Equal(("Journal", "journal@example.test"), (sender.Name, sender.Address));
        Assert.Equal(email, message.To.Mailboxes.Single().Address);

        // The base URL already has a query: the token is joined with '&' (upstream appends a second '?').
        var link = new Regex(@"https://app\.example\.test/login\?next=%2Fhome&token=[A-Za-z0-9_-]{43}").Match(message.TextBody ?? "");
        Assert.True(link.Success, message.TextBody);
        Assert.Contains(link.Value.Replace("&", "&amp;"), message.HtmlBody);
        Assert.Contains("This link will expire in 20 minutes.", message.HtmlBody);
        Assert.DoesNotContain(link.Value, server.Output);

        using var verify = await http.GetAsync($"auth/verify?token={HttpApi.TokenOf(link.Value)}");
        Assert.Equal(HttpStatusCode.OK, verify.StatusCode);
    }

    [Fact]
    public async Task A_failing_smtp_server_is_a_500_and_the_link_still_counts_toward_the_limit()
    {
        int closedPort;
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            closedPort = ((IPEndPoint)probe.LocalEndpoint).Port;
        }

        await using var server = await ServerProcess.StartAsync(["--smtp-host", "127.0.0.1", "--smtp-port", closedPort.ToString()]);
        using var http = server.CreateClient();
        var email = $"user-{Guid.NewGuid():N}@example.test";
        for (var i = 0; i < 3; i++)
        {
            using var failed = await http.RequestMagicLinkAsync(email);
            Assert.Equal(HttpStatusCode.InternalServerError, failed.StatusCode);
            Assert.Equal("Failed to send email", (await failed.JsonAsync()).GetProperty("error").GetString());
        }

        using var limited = await http.RequestMagicLinkAsync(email);
        Assert.Equal((HttpStatusCode)429, limited.StatusCode);
    }

    [Fact]
    public async Task With_dev_and_smtp_the_link_is_mailed_and_returned()
    {
        await using var smtp = new FakeSmtpServer();
        await using var server = await ServerProcess.StartAsync(["--dev", "--smtp-host", "127.0.0.1", "--smtp-port", smtp.Port.ToString()]);
        using var http = server.CreateClient();

        using var response = await http.RequestMagicLinkAsync($"user-{Guid.NewGuid():N}@example.test");
        var json = await response.JsonAsync();
        Assert.Equal("Check your email for a sign-in link.", json.GetProperty("message").GetString());
        var devLink = json.GetProperty("dev_link").GetString()!;
        Assert.Contains(devLink, Assert.Single(smtp.Messages).Message.TextBody);
    }
}
