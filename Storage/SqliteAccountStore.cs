using Diaryx.Sync.Lite.Access;
using Microsoft.Data.Sqlite;

namespace Diaryx.Sync.Lite.Storage;

/// <summary>
/// <see cref="IAccountStore"/> and the rest of the account data (magic tokens, devices, workspaces,
/// share sessions) on the account tables of <see cref="SqliteDatabase"/>. Session tokens, magic
/// tokens and share codes are CSPRNG-generated and stored only as SHA-256 hashes; lookups go by hash
/// and the hash found is compared again in constant time. Times are unix seconds.
/// Every method is safe to call concurrently (each uses its own pooled connection).
/// </summary>
public sealed class SqliteAccountStore : IAccountStore
{
    public const int DefaultSessionExpiryDays = 30;

    /// <summary>The workspace every user gets on first sign-in.</summary>
    public const string DefaultWorkspaceName = "default";

    private const int ShareCodeAttempts = 5;

    private readonly SqliteDatabase _database;
    private readonly TimeProvider _time;

    public SqliteAccountStore(SqliteDatabase database, int sessionExpiryDays = DefaultSessionExpiryDays, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(database);
        ArgumentOutOfRangeException.ThrowIfLessThan(sessionExpiryDays, 1);
        _database = database;
        SessionLifetime = TimeSpan.FromDays(sessionExpiryDays);
        _time = timeProvider ?? TimeProvider.System;
    }

    /// <summary>How long an issued session token stays valid (fixed, not sliding).</summary>
    public TimeSpan SessionLifetime { get; }

    /// <summary>An email as stored: trimmed, lowercase (invariant).</summary>
    public static string NormalizeEmail(string email)
    {
        ArgumentNullException.ThrowIfNull(email);
        return email.Trim().ToLowerInvariant();
    }

    // ---- IAccountStore -------------------------------------------------------------------------

    /// <inheritdoc />
    public Task<TokenIdentity?> ValidateTokenAsync(string token, CancellationToken cancellationToken = default) =>
        Run(cancellationToken, connection =>
        {
            if (!SecretTokens.IsWellFormedToken(token))
            {
                return null;
            }

            var hash = SecretTokens.Hash(token);
            var now = Now();
            string userId, deviceId, email;
            long lastSeen;
            using (var command = connection.CreateCommand())
            {
                command.CommandText = """
                    SELECT s.token_hash, s.user_id, s.device_id, u.email, d.last_seen_at
                    FROM auth_sessions s
                    JOIN users u ON u.id = s.user_id
                    JOIN devices d ON d.id = s.device_id
                    WHERE s.token_hash = $hash AND s.expires_at > $now;
                    """;
                command.Parameters.AddWithValue("$hash", hash);
                command.Parameters.AddWithValue("$now", now);
                using var reader = command.ExecuteReader();
                if (!reader.Read() || !SecretTokens.FixedTimeEquals(reader.GetFieldValue<byte[]>(0), hash))
                {
                    return null;
                }

                userId = reader.GetString(1);
                deviceId = reader.GetString(2);
                email = reader.GetString(3);
                lastSeen = reader.GetInt64(4);
            }

            if (lastSeen < now)
            {
                try
                {
                    Execute(connection, null, "UPDATE devices SET last_seen_at = $now WHERE id = $id AND last_seen_at < $now;",
                        ("$now", now), ("$id", deviceId));
                }
                catch (SqliteException)
                {
                    // Only bookkeeping: a locked or full database must not lock the user out of reading.
                }
            }

            return (TokenIdentity?)new TokenIdentity(userId, deviceId, email);
        });

    /// <inheritdoc />
    public Task<string?> ResolveOwnedWorkspaceAsync(string userId, string idOrName, CancellationToken cancellationToken = default) =>
        Run(cancellationToken, connection =>
        {
            if (string.IsNullOrEmpty(userId) || string.IsNullOrEmpty(idOrName))
            {
                return null;
            }

            // By id first, then by name; only among the user's own workspaces.
            return Scalar(connection, null, """
                SELECT id FROM user_workspaces
                WHERE user_id = $user_id AND (id = $value OR name = $value)
                ORDER BY id = $value DESC
                LIMIT 1;
                """, ("$user_id", userId), ("$value", idOrName)) as string;
        });

    /// <inheritdoc />
    public Task<bool> WorkspaceExistsAsync(string workspaceId, CancellationToken cancellationToken = default) =>
        Run(cancellationToken, connection => !string.IsNullOrEmpty(workspaceId)
            && Scalar(connection, null, "SELECT 1 FROM user_workspaces WHERE id = $id;", ("$id", workspaceId)) is not null);

    /// <inheritdoc />
    public Task<string> GetOrCreateDefaultWorkspaceAsync(string userId, CancellationToken cancellationToken = default) =>
        Run(cancellationToken, connection =>
        {
            ArgumentException.ThrowIfNullOrEmpty(userId);
            using var transaction = connection.BeginTransaction(deferred: false);
            if (Scalar(connection, transaction, "SELECT 1 FROM users WHERE id = $id;", ("$id", userId)) is null)
            {
                throw new InvalidOperationException($"no user with id '{userId}'");
            }

            var id = EnsureDefaultWorkspace(connection, transaction, userId, Now());
            transaction.Commit();
            return id;
        });

    /// <inheritdoc />
    public Task<ShareSession?> GetShareSessionAsync(string code, CancellationToken cancellationToken = default) =>
        Run(cancellationToken, connection =>
        {
            var normalized = SecretTokens.NormalizeShareCode(code);
            return normalized is null ? null : FindShareSession(connection, null, normalized);
        });

    /// <inheritdoc />
    public Task<IssuedToken> IssueTokenAsync(string email, string? deviceName, CancellationToken cancellationToken = default) =>
        Run(cancellationToken, connection =>
        {
            ArgumentNullException.ThrowIfNull(email);
            var normalized = NormalizeEmail(email);
            ArgumentException.ThrowIfNullOrEmpty(normalized, nameof(email));

            var now = Now();
            var token = SecretTokens.NewToken();
            var deviceId = Guid.NewGuid().ToString();

            using var transaction = connection.BeginTransaction(deferred: false);
            var userId = (string)Scalar(connection, transaction, """
                INSERT INTO users (id, email, created_at, last_login_at) VALUES ($id, $email, $now, $now)
                ON CONFLICT (email) DO UPDATE SET last_login_at = excluded.last_login_at
                RETURNING id;
                """, ("$id", Guid.NewGuid().ToString()), ("$email", normalized), ("$now", now))!;

            Execute(connection, transaction, """
                INSERT INTO devices (id, user_id, name, user_agent, created_at, last_seen_at)
                VALUES ($id, $user_id, $name, NULL, $now, $now);
                """, ("$id", deviceId), ("$user_id", userId), ("$name", deviceName), ("$now", now));

            Execute(connection, transaction, """
                INSERT INTO auth_sessions (token_hash, user_id, device_id, expires_at, created_at)
                VALUES ($hash, $user_id, $device_id, $expires_at, $now);
                """, ("$hash", SecretTokens.Hash(token)), ("$user_id", userId), ("$device_id", deviceId),
                ("$expires_at", now + (long)SessionLifetime.TotalSeconds), ("$now", now));

            var workspaceId = EnsureDefaultWorkspace(connection, transaction, userId, now);
            transaction.Commit();
            return new IssuedToken(token, userId, deviceId, workspaceId);
        });

    // ---- Sessions and magic links --------------------------------------------------------------

    /// <summary>Deletes the session of this token (logout). False if there was none.</summary>
    public Task<bool> RevokeSessionAsync(string token, CancellationToken cancellationToken = default) =>
        Run(cancellationToken, connection =>
            SecretTokens.IsWellFormedToken(token) &&
            Execute(connection, null, "DELETE FROM auth_sessions WHERE token_hash = $hash;", ("$hash", SecretTokens.Hash(token))) > 0);

    /// <summary>
    /// Creates a single-use magic-link token for <paramref name="email"/> (normalised), valid for
    /// <paramref name="lifetime"/>. Returns the token; only its hash is stored.
    /// </summary>
    public Task<string> CreateMagicTokenAsync(string email, TimeSpan lifetime, CancellationToken cancellationToken = default) =>
        Run(cancellationToken, connection =>
        {
            var normalized = NormalizeEmail(email);
            ArgumentException.ThrowIfNullOrEmpty(normalized, nameof(email));
            ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(lifetime, TimeSpan.Zero);
            var token = SecretTokens.NewToken();
            var now = Now();
            Execute(connection, null, """
                INSERT INTO magic_tokens (token_hash, email, expires_at, used, created_at)
                VALUES ($hash, $email, $expires_at, 0, $now);
                """, ("$hash", SecretTokens.Hash(token)), ("$email", normalized),
                ("$expires_at", now + (long)Math.Ceiling(lifetime.TotalSeconds)), ("$now", now));
            return token;
        });

    /// <summary>
    /// Marks an unused, unexpired magic token as used and returns its email; null if the token is
    /// unknown, used or expired. Atomic: of two concurrent calls with the same token only one wins.
    /// </summary>
    public Task<string?> ConsumeMagicTokenAsync(string token, CancellationToken cancellationToken = default) =>
        Run(cancellationToken, connection => SecretTokens.IsWellFormedToken(token)
            ? Scalar(connection, null, """
                UPDATE magic_tokens SET used = 1
                WHERE token_hash = $hash AND used = 0 AND expires_at > $now
                RETURNING email;
                """, ("$hash", SecretTokens.Hash(token)), ("$now", Now())) as string
            : null);

    /// <summary>Deletes expired sessions and magic tokens and expired share sessions. Returns the number of rows deleted.</summary>
    public Task<int> PurgeExpiredAsync(CancellationToken cancellationToken = default) =>
        Run(cancellationToken, connection =>
        {
            var now = Now();
            using var transaction = connection.BeginTransaction(deferred: false);
            var deleted = Execute(connection, transaction, "DELETE FROM auth_sessions WHERE expires_at <= $now;", ("$now", now))
                + Execute(connection, transaction, "DELETE FROM magic_tokens WHERE expires_at <= $now;", ("$now", now))
                + Execute(connection, transaction, "DELETE FROM share_sessions WHERE expires_at IS NOT NULL AND expires_at <= $now;", ("$now", now));
            transaction.Commit();
            return deleted;
        });

    // ---- Users, devices, workspaces ------------------------------------------------------------

    /// <summary>The user with this id, or null.</summary>
    public Task<UserAccount?> GetUserAsync(string userId, CancellationToken cancellationToken = default) =>
        Run(cancellationToken, connection =>
        {
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT id, email, created_at, last_login_at FROM users WHERE id = $id;";
            command.Parameters.AddWithValue("$id", userId ?? string.Empty);
            using var reader = command.ExecuteReader();
            return reader.Read()
                ? new UserAccount(
                    reader.GetString(0),
                    reader.GetString(1),
                    DateTimeOffset.FromUnixTimeSeconds(reader.GetInt64(2)),
                    reader.IsDBNull(3) ? null : DateTimeOffset.FromUnixTimeSeconds(reader.GetInt64(3)))
                : null;
        });

    /// <summary>
    /// Deletes the user; devices, sessions, workspaces and share sessions go with it (foreign-key
    /// cascades). Returns the ids of the workspaces it owned (their documents are the caller's to
    /// delete), or an empty list if there was no such user.
    /// </summary>
    public Task<IReadOnlyList<string>> DeleteUserAsync(string userId, CancellationToken cancellationToken = default) =>
        Run(cancellationToken, connection =>
        {
            using var transaction = connection.BeginTransaction(deferred: false);
            var workspaces = ReadStrings(connection, transaction,
                "SELECT id FROM user_workspaces WHERE user_id = $user_id ORDER BY id;", ("$user_id", userId));
            Execute(connection, transaction, "DELETE FROM users WHERE id = $id;", ("$id", userId));
            transaction.Commit();
            return (IReadOnlyList<string>)workspaces;
        });

    /// <summary>The user's devices, most recently seen first.</summary>
    public Task<IReadOnlyList<DeviceInfo>> ListDevicesAsync(string userId, CancellationToken cancellationToken = default) =>
        Run(cancellationToken, connection => (IReadOnlyList<DeviceInfo>)ReadRows(connection, null,
            "SELECT id, name, last_seen_at FROM devices WHERE user_id = $user_id ORDER BY last_seen_at DESC, id;",
            reader => new DeviceInfo(
                reader.GetString(0),
                reader.IsDBNull(1) ? null : reader.GetString(1),
                DateTimeOffset.FromUnixTimeSeconds(reader.GetInt64(2))),
            ("$user_id", userId)));

    /// <summary>Deletes one of the user's devices (and, by cascade, its sessions). False if the user has no such device.</summary>
    public Task<bool> DeleteDeviceAsync(string userId, string deviceId, CancellationToken cancellationToken = default) =>
        Run(cancellationToken, connection =>
            Execute(connection, null, "DELETE FROM devices WHERE id = $id AND user_id = $user_id;",
                ("$id", deviceId), ("$user_id", userId)) > 0);

    /// <summary>The user's workspaces, oldest first.</summary>
    public Task<IReadOnlyList<WorkspaceInfo>> ListWorkspacesAsync(string userId, CancellationToken cancellationToken = default) =>
        Run(cancellationToken, connection => (IReadOnlyList<WorkspaceInfo>)ReadRows(connection, null,
            "SELECT id, name FROM user_workspaces WHERE user_id = $user_id ORDER BY created_at, name;",
            reader => new WorkspaceInfo(reader.GetString(0), reader.GetString(1)),
            ("$user_id", userId)));

    /// <summary>The workspace if <paramref name="userId"/> owns it (by id only), else null.</summary>
    public Task<WorkspaceInfo?> GetOwnedWorkspaceAsync(string userId, string workspaceId, CancellationToken cancellationToken = default) =>
        Run(cancellationToken, connection =>
        {
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT id, name FROM user_workspaces WHERE id = $id AND user_id = $user_id;";
            command.Parameters.AddWithValue("$id", workspaceId ?? string.Empty);
            command.Parameters.AddWithValue("$user_id", userId ?? string.Empty);
            using var reader = command.ExecuteReader();
            return reader.Read() ? new WorkspaceInfo(reader.GetString(0), reader.GetString(1)) : null;
        });

    /// <summary>Creates a workspace (new UUID v4 id) for the user; null if the user already has one with that name.</summary>
    public Task<WorkspaceInfo?> CreateWorkspaceAsync(string userId, string name, CancellationToken cancellationToken = default) =>
        Run(cancellationToken, connection =>
        {
            ArgumentException.ThrowIfNullOrEmpty(userId);
            ArgumentException.ThrowIfNullOrWhiteSpace(name);
            var id = Guid.NewGuid().ToString();
            var inserted = Execute(connection, null, """
                INSERT INTO user_workspaces (id, user_id, name, created_at) VALUES ($id, $user_id, $name, $now)
                ON CONFLICT (user_id, name) DO NOTHING;
                """, ("$id", id), ("$user_id", userId), ("$name", name), ("$now", Now()));
            return inserted == 1 ? new WorkspaceInfo(id, name) : null;
        });

    /// <summary>Number of workspaces of all users (for <c>/api/status</c>).</summary>
    public Task<long> CountWorkspacesAsync(CancellationToken cancellationToken = default) =>
        Run(cancellationToken, connection => (long)Scalar(connection, null, "SELECT count(*) FROM user_workspaces;")!);

    // ---- Share sessions ------------------------------------------------------------------------

    /// <summary>
    /// Starts a share session on a workspace <paramref name="ownerUserId"/> owns, with a fresh random
    /// code (only its hash is stored: the returned <see cref="ShareSession.Code"/> is the one chance to
    /// see it). Null if the user does not own the workspace: nothing is substituted.
    /// </summary>
    public Task<ShareSession?> CreateShareSessionAsync(
        string ownerUserId,
        string workspaceId,
        bool readOnly,
        DateTimeOffset? expiresAt = null,
        CancellationToken cancellationToken = default) =>
        Run(cancellationToken, connection =>
        {
            using var transaction = connection.BeginTransaction(deferred: false);
            if (Scalar(connection, transaction, "SELECT 1 FROM user_workspaces WHERE id = $id AND user_id = $user_id;",
                    ("$id", workspaceId ?? string.Empty), ("$user_id", ownerUserId ?? string.Empty)) is null)
            {
                return null;
            }

            for (var attempt = 0; attempt < ShareCodeAttempts; attempt++)
            {
                var code = SecretTokens.NewShareCode();
                var inserted = Execute(connection, transaction, """
                    INSERT INTO share_sessions (code_hash, workspace_id, owner_user_id, read_only, created_at, expires_at)
                    VALUES ($hash, $workspace_id, $owner, $read_only, $now, $expires_at)
                    ON CONFLICT (code_hash) DO NOTHING;
                    """, ("$hash", SecretTokens.Hash(code)), ("$workspace_id", workspaceId), ("$owner", ownerUserId),
                    ("$read_only", readOnly ? 1 : 0), ("$now", Now()), ("$expires_at", expiresAt?.ToUnixTimeSeconds()));
                if (inserted == 1)
                {
                    transaction.Commit();
                    return new ShareSession(code, workspaceId!, ownerUserId!, readOnly);
                }
            }

            throw new InvalidOperationException("could not generate an unused share code");
        });

    /// <summary>Sets read-only on an unexpired share session; false if there is none with that code.</summary>
    public Task<bool> SetShareSessionReadOnlyAsync(string code, bool readOnly, CancellationToken cancellationToken = default) =>
        Run(cancellationToken, connection =>
        {
            var normalized = SecretTokens.NormalizeShareCode(code);
            return normalized is not null && Execute(connection, null, """
                UPDATE share_sessions SET read_only = $read_only
                WHERE code_hash = $hash AND (expires_at IS NULL OR expires_at > $now);
                """, ("$read_only", readOnly ? 1 : 0), ("$hash", SecretTokens.Hash(normalized)), ("$now", Now())) > 0;
        });

    /// <summary>Ends a share session; false if there was none with that code.</summary>
    public Task<bool> DeleteShareSessionAsync(string code, CancellationToken cancellationToken = default) =>
        Run(cancellationToken, connection =>
        {
            var normalized = SecretTokens.NormalizeShareCode(code);
            return normalized is not null && Execute(connection, null,
                "DELETE FROM share_sessions WHERE code_hash = $hash;", ("$hash", SecretTokens.Hash(normalized))) > 0;
        });

    // ---- Helpers -------------------------------------------------------------------------------

    private long Now() => _time.GetUtcNow().ToUnixTimeSeconds();

    private ShareSession? FindShareSession(SqliteConnection connection, SqliteTransaction? transaction, string normalizedCode)
    {
        var hash = SecretTokens.Hash(normalizedCode);
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = """
            SELECT code_hash, workspace_id, owner_user_id, read_only FROM share_sessions
            WHERE code_hash = $hash AND (expires_at IS NULL OR expires_at > $now);
            """;
        command.Parameters.AddWithValue("$hash", hash);
        command.Parameters.AddWithValue("$now", Now());
        using var reader = command.ExecuteReader();
        if (!reader.Read() || !SecretTokens.FixedTimeEquals(reader.GetFieldValue<byte[]>(0), hash))
        {
            return null;
        }

        return new ShareSession(normalizedCode, reader.GetString(1), reader.GetString(2), reader.GetInt64(3) != 0);
    }

    private static string EnsureDefaultWorkspace(SqliteConnection connection, SqliteTransaction transaction, string userId, long now)
    {
        Execute(connection, transaction, """
            INSERT INTO user_workspaces (id, user_id, name, created_at) VALUES ($id, $user_id, $name, $now)
            ON CONFLICT (user_id, name) DO NOTHING;
            """, ("$id", Guid.NewGuid().ToString()), ("$user_id", userId), ("$name", DefaultWorkspaceName), ("$now", now));
        return (string)Scalar(connection, transaction, "SELECT id FROM user_workspaces WHERE user_id = $user_id AND name = $name;",
            ("$user_id", userId), ("$name", DefaultWorkspaceName))!;
    }

    /// <summary>
    /// Runs <paramref name="work"/> on a fresh pooled connection, synchronously (SQLite calls are short
    /// and Microsoft.Data.Sqlite has no real async I/O); exceptions fault the returned task.
    /// </summary>
    private Task<T> Run<T>(CancellationToken cancellationToken, Func<SqliteConnection, T> work)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled<T>(cancellationToken);
        }

        try
        {
            using var connection = _database.OpenConnection();
            return Task.FromResult(work(connection));
        }
        catch (Exception ex)
        {
            return Task.FromException<T>(ex);
        }
    }

    private static SqliteCommand Command(SqliteConnection connection, SqliteTransaction? transaction, string sql, (string Name, object? Value)[] parameters)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }

        return command;
    }

    private static int Execute(SqliteConnection connection, SqliteTransaction? transaction, string sql, params (string Name, object? Value)[] parameters)
    {
        using var command = Command(connection, transaction, sql, parameters);
        return command.ExecuteNonQuery();
    }

    private static object? Scalar(SqliteConnection connection, SqliteTransaction? transaction, string sql, params (string Name, object? Value)[] parameters)
    {
        using var command = Command(connection, transaction, sql, parameters);
        var value = command.ExecuteScalar();
        return value is DBNull ? null : value;
    }

    private static List<string> ReadStrings(SqliteConnection connection, SqliteTransaction? transaction, string sql, params (string Name, object? Value)[] parameters) =>
        ReadRows(connection, transaction, sql, reader => reader.GetString(0), parameters);

    /// <summary>Every row of the query, each made into a <typeparamref name="T"/> by <paramref name="row"/>.</summary>
    private static List<T> ReadRows<T>(
        SqliteConnection connection, SqliteTransaction? transaction, string sql, Func<SqliteDataReader, T> row, params (string Name, object? Value)[] parameters)
    {
        using var command = Command(connection, transaction, sql, parameters);
        using var reader = command.ExecuteReader();
        var values = new List<T>();
        while (reader.Read())
        {
            values.Add(row(reader));
        }

        return values;
    }
}
