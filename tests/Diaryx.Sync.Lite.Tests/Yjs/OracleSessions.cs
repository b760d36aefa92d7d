using System.Text.Json;
using Diaryx.Sync.Lite.Tests.Infrastructure;

namespace Diaryx.Sync.Lite.Tests.Yjs;

/// <summary>
/// Random multi-client yjs sessions recorded by tests/node/oracle/session.mjs, generated once per
/// test run. The number of seeds is YJS_SEEDS (default 300) so that more can be run on demand.
/// </summary>
internal static class OracleSessions
{
    public static int SeedCount { get; } =
        int.TryParse(Environment.GetEnvironmentVariable("YJS_SEEDS"), out var n) && n > 0 ? n : 300;

    private static readonly Lazy<Task<Dictionary<int, JsonElement>>> Sessions = new(GenerateAsync);

    public static async Task<JsonElement> GetAsync(int seed) => (await Sessions.Value)[seed];

    private static async Task<Dictionary<int, JsonElement>> GenerateAsync()
    {
        var output = await NodeScript.RunOracleAsync("session.mjs", ["--seed-from", "1", "--seed-to", SeedCount.ToString()], timeout: TimeSpan.FromMinutes(10));
        var sessions = new Dictionary<int, JsonElement>();
        foreach (var line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var session = JsonDocument.Parse(line).RootElement;
            sessions[session.GetProperty("seed").GetInt32()] = session;
        }
        return sessions;
    }
}
