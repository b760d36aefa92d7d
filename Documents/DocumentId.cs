using System.Diagnostics.CodeAnalysis;

namespace Diaryx.Sync.Lite.Documents;

public enum DocumentKind
{
    /// <summary>A workspace's metadata document (Y.Map <c>files</c>).</summary>
    Workspace,
    /// <summary>One file's body (Y.Text <c>body</c>, Y.Map <c>frontmatter</c>).</summary>
    Body,
}

/// <summary>
/// A Diaryx document id: <c>workspace:&lt;wsid&gt;</c>, <c>body:&lt;wsid&gt;/&lt;path&gt;</c>, or a legacy bare
/// workspace id. Everything from a client is validated here, so nothing unchecked reaches storage
/// or a file name: workspace ids are short and plain, paths are relative with no <c>..</c>.
/// </summary>
public sealed record DocumentId(DocumentKind Kind, string WorkspaceId, string? Path)
{
    public const int MaxWorkspaceIdLength = 128;
    public const int MaxPathLength = 1024;

    public static DocumentId Workspace(string workspaceId) => new(DocumentKind.Workspace, workspaceId, null);

    public static DocumentId Body(string workspaceId, string path) => new(DocumentKind.Body, workspaceId, path);

    /// <summary>The canonical id, as stored and shared by both protocols.</summary>
    public override string ToString() => Kind == DocumentKind.Workspace ? $"workspace:{WorkspaceId}" : $"body:{WorkspaceId}/{Path}";

    /// <summary>The same document in another workspace (after resolving a workspace name to its id).</summary>
    public DocumentId InWorkspace(string workspaceId) => this with { WorkspaceId = workspaceId };

    public static bool TryParse(string text, [NotNullWhen(true)] out DocumentId? id, [NotNullWhen(false)] out string? error)
    {
        id = null;
        if (text.StartsWith("body:", StringComparison.Ordinal))
        {
            var rest = text["body:".Length..];
            var slash = rest.IndexOf('/');
            if (slash < 0)
            {
                error = "a body document id needs <workspace>/<path>";
                return false;
            }
            var workspace = rest[..slash];
            var path = rest[(slash + 1)..];
            if (!IsValidWorkspaceId(workspace, out error) || !IsValidPath(path, out error)) return false;
            id = Body(workspace, path);
            return true;
        }
        var workspaceId = text.StartsWith("workspace:", StringComparison.Ordinal) ? text["workspace:".Length..] : text;
        if (!IsValidWorkspaceId(workspaceId, out error)) return false;
        id = Workspace(workspaceId);
        return true;
    }

    /// <summary>Letters, digits and <c>-_.:</c> (native clients use <c>&lt;uuid&gt;:workspace</c>), never <c>.</c> or <c>..</c>.</summary>
    public static bool IsValidWorkspaceId(string workspaceId, [NotNullWhen(false)] out string? error)
    {
        error = null;
        if (workspaceId.Length == 0) error = "the workspace id is empty";
        else if (workspaceId.Length > MaxWorkspaceIdLength) error = $"the workspace id is longer than {MaxWorkspaceIdLength} characters";
        else if (workspaceId is "." or "..") error = "the workspace id is not a name";
        else if (!workspaceId.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or ':')) error = "the workspace id may only contain letters, digits and -_.:";
        return error == null;
    }

    /// <summary>A workspace-relative path with <c>/</c> separators: no empty, <c>.</c> or <c>..</c> segments, no backslashes or control characters.</summary>
    public static bool IsValidPath(string path, [NotNullWhen(false)] out string? error)
    {
        error = null;
        if (path.Length == 0) error = "the path is empty";
        else if (path.Length > MaxPathLength) error = $"the path is longer than {MaxPathLength} characters";
        else if (path.Any(c => char.IsControl(c) || c == '\\')) error = "the path contains a backslash or a control character";
        else if (path.Split('/').Any(segment => segment is "" or "." or "..")) error = "the path must be relative, without empty, . or .. segments";
        else if (path.Length >= 2 && path[1] == ':' && char.IsAsciiLetter(path[0])) error = "the path must be relative";
        return error == null;
    }
}
