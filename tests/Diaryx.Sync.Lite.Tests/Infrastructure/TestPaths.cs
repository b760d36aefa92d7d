using System.Reflection;

namespace Diaryx.Sync.Lite.Tests.Infrastructure;

/// <summary>Where the test inputs live (baked into the test assembly by the csproj).</summary>
internal static class TestPaths
{
    /// <summary><c>tests/node</c>: package.json, node_modules and the yjs oracle scripts.</summary>
    public static string NodeDir { get; } =
        typeof(TestPaths).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .Single(a => a.Key == "NodeDir").Value!;

    /// <summary><c>tests/node/oracle</c>: the Node scripts that run real yjs.</summary>
    public static string OracleDir => Path.Combine(NodeDir, "oracle");

    /// <summary>The repository root (two levels above <c>tests/node</c>).</summary>
    public static string RepoRoot => Path.GetFullPath(Path.Combine(NodeDir, "..", ".."));

    /// <summary>The server build that the project reference copied next to the tests.</summary>
    public static string ServerDll => Path.Combine(AppContext.BaseDirectory, "diaryx-sync-lite.dll");
}
