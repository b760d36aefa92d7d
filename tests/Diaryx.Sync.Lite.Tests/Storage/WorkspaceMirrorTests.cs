using Diaryx.Sync.Lite.Storage;
using Diaryx.Sync.Lite.Tests.Infrastructure;

namespace Diaryx.Sync.Lite.Tests.Storage;

/// <summary>The markdown mirror: the workspaces directory holds each workspace's files, kept up to date.</summary>
public sealed class WorkspaceMirrorTests
{
    [Fact]
    public void Writing_makes_the_directory_hold_exactly_the_files()
    {
        var root = Directory.CreateTempSubdirectory("mirror-").FullName;
        try
        {
            Assert.Equal(2, WorkspaceMirror.Write(root, [("a.md", "A"), ("notes/b.md", "B")]));
            var unchanged = File.GetLastWriteTimeUtc(Path.Combine(root, "a.md"));
            File.WriteAllText(Path.Combine(root, "stray.md"), "not in the workspace");

            Assert.Equal(1, WorkspaceMirror.Write(root, [("a.md", "A"), ("c.md", "C"), ("../escape.md", "no")]));
            Assert.Equal(unchanged, File.GetLastWriteTimeUtc(Path.Combine(root, "a.md")));
            Assert.Equal("C", File.ReadAllText(Path.Combine(root, "c.md")));
            Assert.False(File.Exists(Path.Combine(root, "stray.md")));
            Assert.False(Directory.Exists(Path.Combine(root, "notes")));
            Assert.False(File.Exists(Path.Combine(root, "..", "escape.md")));
            Assert.Empty(Directory.GetFiles(root, "*.tmp", SearchOption.AllDirectories));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public async Task The_server_mirrors_workspaces_as_markdown_and_removes_deleted_files()
    {
        var server = SyncServer.With();
        await server.InitializeAsync();
        try
        {
            var user = await server.NewUserAsync();
            var arguments = new { url = server.SyncV2Url, token = user.Token, workspace = user.DefaultWorkspaceId, count = 2 };
            await server.RunV2ScenarioAsync("write", arguments);
            var mirror = Path.Combine(server.Process.DataDir, "workspaces", user.DefaultWorkspaceId);
            var first = Path.Combine(mirror, "keep", "0.md");
            var second = Path.Combine(mirror, "keep", "1.md");
            await Eventually(() => File.Exists(first) && File.Exists(second) && File.ReadAllText(second).EndsWith("kept 1", StringComparison.Ordinal));
            var text = File.ReadAllText(first);
            Assert.StartsWith("---\ntitle: Kept 0\n", text);
            Assert.EndsWith("\n---\n\nkept 0", text);

            await server.RunV2ScenarioAsync("markDeleted", new { url = server.SyncV2Url, token = user.Token, workspace = user.DefaultWorkspaceId, path = "keep/1.md" });
            await Eventually(() => !File.Exists(second));
            Assert.True(File.Exists(first));
        }
        finally
        {
            await server.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_workspace_that_could_not_be_mirrored_is_written_once_the_disk_works_again()
    {
        var server = SyncServer.With();
        await server.InitializeAsync();
        try
        {
            var user = await server.NewUserAsync();
            // A file where the workspace's folder belongs: every write into it fails, as on a broken disk.
            var mirror = Path.Combine(server.Process.DataDir, "workspaces", user.DefaultWorkspaceId);
            Directory.CreateDirectory(Path.GetDirectoryName(mirror)!);
            File.WriteAllText(mirror, "in the way");
            await server.RunV2ScenarioAsync("write", new { url = server.SyncV2Url, token = user.Token, workspace = user.DefaultWorkspaceId, count = 1 });
            await Eventually(() => server.Process.Output.Contains($"Could not mirror workspace {user.DefaultWorkspaceId}", StringComparison.Ordinal));

            File.Delete(mirror);
            await Eventually(() => File.Exists(Path.Combine(mirror, "keep", "0.md")));
        }
        finally
        {
            await server.DisposeAsync();
        }
    }

    private static async Task Eventually(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "the mirror did not catch up in 20 s");
            await Task.Delay(100);
        }
    }
}
