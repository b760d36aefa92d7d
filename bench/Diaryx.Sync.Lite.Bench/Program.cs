// diaryx-sync-lite-bench: the C# side of the engine benchmark (bench/engine.mjs runs it next to yjs and
// ywasm and prints the comparison table). Prints one JSON object on stdout, the same shape as
// bench/node/engine-*.mjs.
//
//   dotnet run -c Release --project bench/Diaryx.Sync.Lite.Bench -- [trace path] [options]
//
//   trace path          default ../shared/data/editing-traces/automerge-paper.json.gz beside the repo;
//                       when missing, a sequential trace is generated and the output says so
//   --runs N            timed runs per scenario after one warm-up (default 5; the median is reported)
//   --replay-runs N     timed runs of the local replay (default: --runs)
//   --state-out FILE    write the encoded final state (update v1) there
//   --updates-out FILE  write the per-patch updates there (u32 little-endian length + bytes, each)
//   --no-memory         skip the memory scenario
//   --profile           instead of the scenarios, print a breakdown of where replay and apply spend time
//   --loop replay|replay-no-updates|replay-discard|apply [N]
//                       instead of the scenarios, run that hot loop N times (default 3), for dotnet-trace
//
// Scenarios: replay (local edits as client 1, one transaction per patch, collecting each update),
// serverApply (all those updates in order into a fresh doc), encode (EncodeStateAsUpdate of the final
// doc), decode (that state into a fresh doc), memory (managed heap held by the final document).
// Exit code 0, or 2 when the engine threw or produced a wrong text (details in "errors").

using System.Runtime;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using Diaryx.Sync.Lite.Bench;
using Diaryx.Sync.Lite.Yjs;

var positional = new List<string>();
var runs = 5;
int? replayRuns = null;
string? stateOut = null, updatesOut = null;
var noMemory = false;
var profile = false;
string? loop = null;
var loopTimes = 3;
for (var i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--runs": runs = int.Parse(args[++i]); break;
        case "--replay-runs": replayRuns = int.Parse(args[++i]); break;
        case "--state-out": stateOut = args[++i]; break;
        case "--updates-out": updatesOut = args[++i]; break;
        case "--no-memory": noMemory = true; break;
        case "--profile": profile = true; break;
        case "--loop":
            loop = args[++i];
            if (i + 1 < args.Length && int.TryParse(args[i + 1], out var n)) { loopTimes = n; i++; }
            break;
        default: positional.Add(args[i]); break;
    }
}

var trace = Trace.Load(positional.Count > 0 ? positional[0] : Trace.DefaultPath);
if (loop != null)
{
    Profile.Loop(trace, loop, loopTimes);
    return 0;
}
if (profile)
{
    Profile.Run(trace);
    return 0;
}

var errors = new JsonArray();
var scenarios = new JsonObject();
var configuration =
#if DEBUG
    "Debug";
#else
    "Release";
#endif
var output = new JsonObject
{
    ["engine"] = "ours",
    ["version"] = typeof(YDoc).Assembly.GetName().Version?.ToString(3),
    ["runtime"] = $"{RuntimeInformation.FrameworkDescription} {configuration}, {Environment.ProcessorCount} cores, " +
                  $"{(GCSettings.IsServerGC ? "server" : "workstation")} GC, TieredPGO {(AppContext.TryGetSwitch("System.Runtime.TieredPGO", out var pgo) ? pgo.ToString() : "default")}",
    ["trace"] = new JsonObject
    {
        ["source"] = trace.Source,
        ["generated"] = trace.Generated,
        ["patches"] = trace.Count,
        ["endLength"] = trace.EndContent.Length,
    },
    ["method"] = new JsonObject
    {
        ["timing"] = $"wall clock (Stopwatch); 1 warm-up run, then the median of {runs} runs (local replay: {replayRuns ?? runs}, after a checked replay and the warm-up); full blocking GC before each run",
        ["memory"] = "in process: GC.GetTotalMemory(forceFullCollection: true) with the document alive (GC.KeepAlive) minus the same before building it; managed heap only",
    },
    ["scenarios"] = scenarios,
    ["errors"] = errors,
};

try
{
    // 1. local replay as client 1, one transaction per patch, collecting the v1 update of each.
    var failure = Replay.Check(trace);
    if (failure != null)
    {
        errors.Add(failure);
        Print(output);
        return 2;
    }
    var (replayMs, replayed) = Timing.Run(replayRuns ?? runs, () => Replay.Local(trace, collect: true));
    var (doc, updates) = replayed;
    var updatesHash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    long updateBytes = 0;
    foreach (var u in updates)
    {
        updatesHash.AppendData(u);
        updateBytes += u.Length;
    }
    var replayText = doc.GetText("text").ToString() == trace.EndContent;
    if (!replayText) errors.Add("local replay: final text differs from endContent on a timed run (the checked run matched)");
    scenarios["replay"] = replayMs.ToJson(new JsonObject
    {
        ["textOk"] = replayText,
        ["updates"] = updates.Count,
        ["updateBytes"] = updateBytes,
        ["updatesSha256"] = Convert.ToHexStringLower(updatesHash.GetHashAndReset()),
    });

    // 3. encode the final state (v1).
    var (encodeMs, state) = Timing.Run(runs, () => doc.EncodeStateAsUpdate());
    scenarios["encode"] = encodeMs.ToJson(new JsonObject
    {
        ["bytes"] = state.Length,
        ["sha256"] = Convert.ToHexStringLower(SHA256.HashData(state)),
    });
    if (stateOut != null) File.WriteAllBytes(stateOut, state);
    if (updatesOut != null) Replay.WriteUpdates(updatesOut, updates);

    // 2. "server apply": every per-patch update, in order, into a fresh doc.
    var (applyMs, server) = Timing.Run(runs, () => Replay.ApplyAll(updates));
    scenarios["serverApply"] = applyMs.ToJson(new JsonObject
    {
        ["textOk"] = server.GetText("text").ToString() == trace.EndContent,
        ["stateEqualsReplay"] = server.EncodeStateAsUpdate().AsSpan().SequenceEqual(state),
    });
    if (scenarios["serverApply"]!["textOk"]!.GetValue<bool>() == false) errors.Add("server apply: final text differs from endContent");

    // 4. decode: the final state into a fresh doc.
    var (decodeMs, decoded) = Timing.Run(runs, () => Replay.Decode(state));
    scenarios["decode"] = decodeMs.ToJson(new JsonObject { ["textOk"] = decoded.GetText("text").ToString() == trace.EndContent });
    if (scenarios["decode"]!["textOk"]!.GetValue<bool>() == false) errors.Add("decode: final text differs from endContent");

    // 5. memory of the replayed document and of the document loaded from the state.
    if (!noMemory)
    {
        server = decoded = doc = null!;
        updates = null!;
        scenarios["memory"] = new JsonObject
        {
            ["replayed"] = Memory.Measure(() => Replay.Local(trace, collect: false).Doc),
            ["loaded"] = Memory.Measure(() => Replay.Decode(state)),
        };
    }
}
catch (Exception e)
{
    errors.Add($"unexpected exception: {e}");
}
Print(output);
return errors.Count > 0 ? 2 : 0;

static void Print(JsonObject output) =>
    Console.Out.WriteLine(output.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
