using System.Text.Json;
using System.Text.Json.Nodes;
using Diaryx.Sync.Lite.Tests.Infrastructure;

namespace Diaryx.Sync.Lite.Tests.Oracle;

/// <summary>The Node oracle scripts run and print what the differential tests expect.</summary>
public sealed class OracleScriptTests
{
    [Fact]
    public async Task Session_is_deterministic_and_apply_reproduces_its_last_step()
    {
        string[] args = ["--seed-from", "3", "--seed-to", "4", "--steps", "12"];
        var output = await NodeScript.RunOracleAsync("session.mjs", args);
        Assert.Equal(output, await NodeScript.RunOracleAsync("session.mjs", args));

        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        var session = JsonNode.Parse(lines[1])!;
        Assert.Equal(4, session["seed"]!.GetValue<int>());
        Assert.True(session["gc"]!.GetValue<bool>());
        var steps = session["steps"]!.AsArray();
        Assert.Equal(12, steps.Count);

        var job = new JsonObject
        {
            ["gc"] = true,
            ["updates"] = new JsonArray(steps.Select(s => (JsonNode)s!["update"]!.GetValue<string>()).ToArray()),
        };
        var applied = JsonNode.Parse(await NodeScript.RunOracleAsync("apply.mjs", stdin: job.ToJsonString()))!;
        var last = steps[^1]!;
        foreach (var key in (string[])["sv", "state", "json"])
        {
            Assert.Equal(last[key]!.GetValue<string>(), applied[key]!.GetValue<string>());
        }

        Assert.False(applied["pending"]!.GetValue<bool>());
        Assert.Null(applied["error"]);
    }

    [Fact]
    public async Task Any_vectors_pin_the_lib0_number_rules()
    {
        using var json = JsonDocument.Parse(
            await NodeScript.RunOracleAsync("any-vectors.mjs", ["--seed", "1", "--count", "5"]));
        var root = json.RootElement;
        Assert.Equal(5, root.GetProperty("any").GetArrayLength());

        var yrsInteger = root.GetProperty("foreign").EnumerateArray()
            .Single(f => f.GetProperty("name").GetString() == "yrs integer 2^40 as 7d varint");
        Assert.Equal("7c53800000", Hex(yrsInteger.GetProperty("expected").GetString()!));

        var varint = root.GetProperty("varint").EnumerateArray()
            .Single(v => v.GetProperty("value").GetString() == "-0");
        Assert.Equal("40", Hex(varint.GetProperty("bytes").GetString()!));
    }

    [Fact]
    public async Task Utf8_vectors_decode_invalid_bytes_to_replacement_characters()
    {
        using var json = JsonDocument.Parse(
            await NodeScript.RunOracleAsync("utf8-vectors.mjs", ["--seed", "1", "--count", "3"]));
        var lone = json.RootElement.EnumerateArray()
            .Single(v => Hex(v.GetProperty("bytes").GetString()!) == "ff");
        Assert.Equal([0xFFFD], lone.GetProperty("utf16").EnumerateArray().Select(u => u.GetInt32()));
        Assert.Equal(JsonValueKind.Null, lone.GetProperty("lib0").ValueKind);
    }

    [Fact]
    public async Task Trace_replay_reaches_the_end_content()
    {
        using var json = JsonDocument.Parse(await NodeScript.RunOracleAsync("trace.mjs"));
        Assert.True(json.RootElement.GetProperty("endContentOk").GetBoolean());
        Assert.Equal(104_852, json.RootElement.GetProperty("length").GetInt32());
        Assert.Equal(223_414, Convert.FromBase64String(json.RootElement.GetProperty("state").GetString()!).Length);
    }

    private static string Hex(string base64) => Convert.ToHexStringLower(Convert.FromBase64String(base64));
}
