using Diaryx.Sync.Lite.Cli;

namespace Diaryx.Sync.Lite.Tests.Cli;

public sealed class ServerOptionsTests
{
    [Fact]
    public void Defaults_are_loopback_3030()
    {
        var options = ServerOptions.TryParse([], out var error);

        Assert.Null(error);
        Assert.Equal(new ServerOptions("127.0.0.1", 3030), options);
        Assert.Equal("http://127.0.0.1:3030", options!.Url);
    }

    [Theory]
    [InlineData(new[] { "serve", "--host", "0.0.0.0", "--port", "8080" }, "0.0.0.0", 8080)]
    [InlineData(new[] { "--port=4000", "--host=::1" }, "::1", 4000)]
    [InlineData(new[] { "--db", "x.db", "--port", "1" }, "127.0.0.1", 1)]
    public void Parses_host_and_port(string[] args, string host, int port)
    {
        var options = ServerOptions.TryParse(args, out var error);

        Assert.Null(error);
        Assert.Equal(new ServerOptions(host, port), options);
    }

    [Fact]
    public void Ipv6_hosts_are_bracketed_in_the_url()
    {
        Assert.Equal("http://[::1]:4000", new ServerOptions("::1", 4000).Url);
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("0")]
    [InlineData("65536")]
    [InlineData("-1")]
    public void Bad_port_fails_with_one_line_naming_the_flag(string value)
    {
        var options = ServerOptions.TryParse(["--port", value], out var error);

        Assert.Null(options);
        Assert.StartsWith("--port:", error);
    }

    [Fact]
    public void Missing_value_fails()
    {
        Assert.Null(ServerOptions.TryParse(["--host"], out var error));
        Assert.StartsWith("--host:", error);
    }
}
