using Diaryx.Sync.Lite.Configuration;
using Diaryx.Sync.Lite.Documents;
using Diaryx.Sync.Lite.Storage;
using Diaryx.Sync.Lite.Sync;

namespace Diaryx.Sync.Lite.Http;

/// <summary>
/// Removes an account and everything it owns: the account rows (devices, sessions, workspaces and
/// share sessions go by cascade) together with the user's live connections (<see cref="AccessChanges"/>),
/// the live documents of its workspaces (their other peers, guests, are told the document closed and
/// cannot rejoin), their stored snapshots and update logs, and their markdown mirror folders.
/// </summary>
public sealed class AccountDeletion(
    AccessChanges changes, SqliteDocumentStore documents, DocumentHub hub, ServerSettings settings, ILogger<AccountDeletion> logger)
{
    public async Task DeleteAsync(string userId, CancellationToken cancellationToken)
    {
        // First the account: from here on its tokens and share codes authorise nothing.
        var workspaces = await changes.DeleteAccountAsync(userId, cancellationToken);
        foreach (var workspaceId in workspaces)
        {
            var metadata = DocumentId.Workspace(workspaceId).ToString();
            var bodyPrefix = $"body:{workspaceId}/";
            await hub.CloseDocumentsAsync(id => id == metadata || id.StartsWith(bodyPrefix, StringComparison.Ordinal));
            var stored = (await documents.ListAsync(metadata, CancellationToken.None)).Where(id => id == metadata)
                .Concat(await documents.ListAsync(bodyPrefix, CancellationToken.None));
            var count = 0;
            foreach (var docId in stored)
            {
                await documents.DeleteAsync(docId, CancellationToken.None);
                count++;
            }

            DeleteMirror(workspaceId);
            logger.LogInformation("Deleted workspace {WorkspaceId} of a deleted account ({Count} documents)", workspaceId, count);
        }

        if (workspaces.Count > 0)
        {
            // A mirror write already scheduled for a recent change may still recreate an (empty) folder.
            _ = Task.Delay(WorkspaceMirror.QuietPeriod * 2, CancellationToken.None)
                .ContinueWith(_ => { foreach (var workspaceId in workspaces) DeleteMirror(workspaceId); }, TaskScheduler.Default);
        }
    }

    /// <summary>Removes <c>&lt;workspaces-dir&gt;/&lt;wsid&gt;/</c>, the workspace's markdown mirror.</summary>
    private void DeleteMirror(string workspaceId)
    {
        if (!DocumentId.IsValidWorkspaceId(workspaceId, out _)) return;
        var root = Path.GetFullPath(settings.WorkspacesDir);
        var folder = Path.GetFullPath(Path.Combine(root, workspaceId));
        if (!folder.StartsWith(root + Path.DirectorySeparatorChar, StringComparison.Ordinal)) return;
        try
        {
            if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            logger.LogWarning("Could not remove the mirror folder of deleted workspace {WorkspaceId}: {Error}", workspaceId, e.Message);
        }
    }
}
