using Diaryx.Sync.Lite.Documents;
using Diaryx.Sync.Lite.Storage;

namespace Diaryx.Sync.Lite.Http;

/// <summary>
/// Removes an account and everything it owns: the account rows (devices, sessions, workspaces and
/// share sessions go by cascade), the live connections of the user, the live documents of its
/// workspaces (their other peers, guests, are told the document closed and cannot rejoin) and
/// their stored snapshots and update logs.
/// </summary>
public sealed class AccountDeletion(SqliteAccountStore accounts, SqliteDocumentStore documents, DocumentHub hub, ILogger<AccountDeletion> logger)
{
    public async Task DeleteAsync(string userId, CancellationToken cancellationToken)
    {
        // First the account: from here on its tokens and share codes authorise nothing.
        var workspaces = await accounts.DeleteUserAsync(userId, cancellationToken);
        await hub.DisconnectAsync(author => author.UserId == userId, "account deleted");
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

            logger.LogInformation("Deleted workspace {WorkspaceId} of a deleted account ({Count} documents)", workspaceId, count);
        }
    }
}
