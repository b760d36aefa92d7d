using System.Text.Json;
using Diaryx.Sync.Lite.Yjs;

namespace Diaryx.Sync.Lite.Tests.Yjs;

/// <summary>
/// Differential test against real yjs: the same update sequence (shuffled, duplicated, delayed)
/// goes into our document and a yjs "server" document; after every step the state vector, the
/// full state update, the state diffed against random state vectors, the content JSON and the
/// pending flag must be identical.
/// </summary>
public sealed class SessionReplayTests
{
    public static IEnumerable<object[]> Seeds() => Enumerable.Range(1, OracleSessions.SeedCount).Select(s => new object[] { s });

    [Theory]
    [MemberData(nameof(Seeds))]
    public async Task Replaying_a_random_session_matches_yjs_after_every_step(int seed)
    {
        var session = await OracleSessions.GetAsync(seed);
        var doc = new YDoc(clientId: 999983, gc: session.GetProperty("gc").GetBoolean());
        var stepNumber = 0;
        foreach (var step in session.GetProperty("steps").EnumerateArray())
        {
            doc.ApplyUpdate(Bytes(step, "update"));
            var where = $"seed {seed}, step {stepNumber}";
            AssertBytes(Bytes(step, "sv"), doc.EncodeStateVector(), where + ": state vector");
            AssertBytes(Bytes(step, "state"), doc.EncodeStateAsUpdate(), where + ": state");
            Assert.True(step.GetProperty("pending").GetBoolean() == doc.Store.HasPending, where + ": pending flag");
            foreach (var diff in step.GetProperty("diffs").EnumerateArray())
            {
                AssertBytes(Bytes(diff, "update"), doc.EncodeStateAsUpdate(Bytes(diff, "sv")), where + ": state diffed against a state vector");
            }
            Assert.True(step.GetProperty("json").GetString() == CanonicalJson.OfDoc(doc), $"{where}: JSON\nyjs: {step.GetProperty("json").GetString()}\nours: {CanonicalJson.OfDoc(doc)}");
            stepNumber++;
        }
    }

    private static byte[] Bytes(JsonElement element, string property) => Convert.FromBase64String(element.GetProperty(property).GetString()!);

    internal static void AssertBytes(byte[] expected, byte[] actual, string what)
    {
        if (expected.AsSpan().SequenceEqual(actual)) return;
        var at = 0;
        while (at < Math.Min(expected.Length, actual.Length) && expected[at] == actual[at]) at++;
        Assert.Fail($"{what} differs at byte {at} (lengths {expected.Length} vs {actual.Length})\nyjs:  {Convert.ToHexString(expected)}\nours: {Convert.ToHexString(actual)}");
    }
}
