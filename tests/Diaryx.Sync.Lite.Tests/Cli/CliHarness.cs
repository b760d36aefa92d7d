using Diaryx.Sync.Lite.Cli;
using Diaryx.Sync.Lite.Configuration;

namespace Diaryx.Sync.Lite.Tests.Cli;

/// <summary>
/// Runs the real command line in-process with a private environment, working directory and
/// appsettings.json, and a stand-in for <c>serve</c> that captures the resolved settings instead of
/// starting a server.
/// </summary>
internal sealed class CliHarness : IDisposable
{
    public CliHarness()
    {
        Directory = System.IO.Directory.CreateTempSubdirectory("diaryx-cli-test-").FullName;
        SettingsFile = Path.Combine(Directory, "appsettings.json");
    }

    /// <summary>Working directory (base of relative paths); also holds <see cref="SettingsFile"/>.</summary>
    public string Directory { get; }

    public string SettingsFile { get; }

    /// <summary>The environment the command line sees (nothing else of the real one).</summary>
    public Dictionary<string, string> Environment { get; } = [];

    public void WriteSettings(string json) => File.WriteAllText(SettingsFile, json);

    /// <summary>Runs <paramref name="args"/>; Settings is what serve would have run with (null if it did not run).</summary>
    public async Task<CliResult> RunAsync(params string[] args)
    {
        ServerSettings? captured = null;
        var commandLine = new DiaryxCommandLine(
            name => Environment.GetValueOrDefault(name),
            SettingsFile,
            Directory,
            serve: (settings, _) =>
            {
                captured = settings;
                return Task.FromResult(0);
            });
        var output = new StringWriter();
        var error = new StringWriter();
        var exitCode = await commandLine.InvokeAsync(args, output, error);
        return new CliResult(exitCode, output.ToString(), error.ToString(), captured);
    }

    /// <summary>Runs serve with <paramref name="args"/> and returns its settings; fails on any error.</summary>
    public async Task<ServerSettings> ResolveAsync(params string[] args)
    {
        var result = await RunAsync(args);
        Assert.True(result.ExitCode == 0, $"exit {result.ExitCode}: {result.Stderr}");
        Assert.Equal("", result.Stderr);
        return result.Settings ?? throw new InvalidOperationException("serve did not run");
    }

    public void Dispose()
    {
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // Best effort.
        }
    }
}

internal sealed record CliResult(int ExitCode, string Stdout, string Stderr, ServerSettings? Settings)
{
    /// <summary>stderr's lines (without the trailing empty one).</summary>
    public string[] StderrLines => Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
}
