using System.Globalization;

namespace Diaryx.Sync.Lite.Cli;

/// <summary>
/// Listening options for <c>serve</c>. Minimal hand-rolled parsing of <c>--host</c> and
/// <c>--port</c> (both as <c>--flag value</c> and <c>--flag=value</c>); other arguments are
/// left to later commands. To be replaced by System.CommandLine (DESIGN.md §5).
/// </summary>
internal sealed record ServerOptions(string Host, int Port)
{
    public const string DefaultHost = "127.0.0.1";
    public const int DefaultPort = 3030;

    /// <summary>The Kestrel URL to bind (IPv6 literals are bracketed).</summary>
    public string Url => Host.Contains(':') && !Host.StartsWith('[')
        ? $"http://[{Host}]:{Port}"
        : $"http://{Host}:{Port}";

    /// <summary>Parses <paramref name="args"/>; on failure returns null and one line naming the flag.</summary>
    public static ServerOptions? TryParse(IReadOnlyList<string> args, out string? error)
    {
        var host = DefaultHost;
        var port = DefaultPort;
        error = null;

        for (var i = 0; i < args.Count; i++)
        {
            var (name, inlineValue) = SplitFlag(args[i]);
            if (name is not ("--host" or "--port"))
            {
                continue;
            }

            var value = inlineValue ?? (i + 1 < args.Count ? args[++i] : null);
            if (string.IsNullOrWhiteSpace(value))
            {
                error = $"{name}: a value is required";
                return null;
            }

            if (name == "--host")
            {
                host = value;
            }
            else if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out port)
                     || port is < 1 or > 65535)
            {
                error = $"--port: '{value}' is not a port number (1-65535)";
                return null;
            }
        }

        return new ServerOptions(host, port);
    }

    private static (string Name, string? Value) SplitFlag(string arg)
    {
        var eq = arg.IndexOf('=');
        return arg.StartsWith("--", StringComparison.Ordinal) && eq > 0
            ? (arg[..eq], arg[(eq + 1)..])
            : (arg, null);
    }
}
