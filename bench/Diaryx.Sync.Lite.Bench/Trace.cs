using System.IO.Compression;
using System.Text;
using System.Text.Json;

namespace Diaryx.Sync.Lite.Bench;

/// <summary>
/// A sequential editing trace flattened into patches (josephg/editing-traces format:
/// <c>{ startContent, endContent, txns: [{ patches: [[pos, delCount, insertText], ...] }] }</c>).
/// A non-empty startContent becomes a first patch inserting it at 0. Positions are code points in the
/// format and UTF-16 units here: equal for BMP-only traces (all the sequential ones in that collection).
/// </summary>
public sealed class Trace
{
    public required int[] Positions { get; init; }
    public required int[] Deletes { get; init; }
    public required string[] Inserts { get; init; }
    public required string EndContent { get; init; }
    public required string Source { get; init; }
    public bool Generated { get; init; }

    public int Count => Positions.Length;

    public static string DefaultPath =>
        Path.GetFullPath(Path.Combine(RepoRoot(), "..", "shared", "data", "editing-traces", "automerge-paper.json.gz"));

    /// <summary>The repository root: the nearest folder above the executable holding Diaryx.Sync.Lite.csproj, else the working directory.</summary>
    private static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Diaryx.Sync.Lite.csproj"))) return dir.FullName;
        }
        return Directory.GetCurrentDirectory();
    }

    public static Trace Load(string path)
    {
        if (!File.Exists(path)) return Generate(GeneratedSize, $"generated ({path} not found): {GeneratedSize} edits of one author typing at a moving cursor, 1 in 10 a backspace");
        using var file = File.OpenRead(path);
        using Stream stream = path.EndsWith(".gz", StringComparison.Ordinal) ? new GZipStream(file, CompressionMode.Decompress) : file;
        using var json = JsonDocument.Parse(stream);
        var root = json.RootElement;
        var positions = new List<int>();
        var deletes = new List<int>();
        var inserts = new List<string>();
        var start = root.TryGetProperty("startContent", out var s) ? s.GetString() ?? "" : "";
        if (start.Length > 0)
        {
            positions.Add(0);
            deletes.Add(0);
            inserts.Add(start);
        }
        foreach (var txn in root.GetProperty("txns").EnumerateArray())
        {
            foreach (var patch in txn.GetProperty("patches").EnumerateArray())
            {
                positions.Add(patch[0].GetInt32());
                deletes.Add(patch[1].GetInt32());
                inserts.Add(string.Intern(patch[2].GetString() ?? ""));
            }
        }
        return new Trace
        {
            Positions = [.. positions],
            Deletes = [.. deletes],
            Inserts = [.. inserts],
            EndContent = root.GetProperty("endContent").GetString() ?? "",
            Source = Path.GetFullPath(path),
        };
    }

    public const int GeneratedSize = 100_000;

    /// <summary>
    /// A generated sequential trace, the same as bench/node/common.mjs generateTrace: one author typing
    /// at a cursor, 1 edit in 10 a backspace, the cursor jumping to a random place after 1 edit in 50;
    /// MINSTD random numbers (seed 42, x = x * 48271 mod 2^31 - 1).
    /// </summary>
    public static Trace Generate(int count, string source)
    {
        const string alphabet = "abcdefghijklmnopqrstuvwxyz ";
        long seed = 42;
        long Next() => seed = seed * 48271 % 2147483647;
        var positions = new int[count];
        var deletes = new int[count];
        var inserts = new string[count];
        var text = new StringBuilder();
        var cursor = 0;
        for (var i = 0; i < count; i++)
        {
            if (Next() % 10 == 0 && cursor > 0)
            {
                positions[i] = cursor - 1;
                deletes[i] = 1;
                inserts[i] = "";
                text.Remove(cursor - 1, 1);
                cursor--;
            }
            else
            {
                var c = string.Intern(alphabet[(int)(Next() % alphabet.Length)].ToString());
                positions[i] = cursor;
                inserts[i] = c;
                text.Insert(cursor, c);
                cursor++;
            }
            if (Next() % 50 == 0) cursor = (int)(Next() % (text.Length + 1));
        }
        return new Trace { Positions = positions, Deletes = deletes, Inserts = inserts, EndContent = text.ToString(), Source = source, Generated = true };
    }
}
