using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace Diaryx.Sync.Lite.Storage;

/// <summary>
/// Session tokens, magic-link tokens and share codes: generated from the OS CSPRNG, stored only as
/// SHA-256 hashes, compared in constant time.
/// </summary>
public static class SecretTokens
{
    /// <summary>Length of a token: 32 random bytes as base64url without padding (upstream's wire format).</summary>
    public const int TokenLength = 43;

    /// <summary>Length of a share code, <c>XXXXXXXX-XXXXXXXX</c>.</summary>
    public const int ShareCodeLength = 17;

    private const int TokenBytes = 32;
    private const string ShareCodeAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

    /// <summary>A new token: 32 CSPRNG bytes, base64url without padding (43 chars of <c>[A-Za-z0-9_-]</c>).</summary>
    public static string NewToken()
    {
        Span<byte> bytes = stackalloc byte[TokenBytes];
        RandomNumberGenerator.Fill(bytes);
        return Base64Url.EncodeToString(bytes);
    }

    /// <summary>A new share code <c>XXXXXXXX-XXXXXXXX</c> from <c>A-Z0-9</c> (about 82.7 bits).</summary>
    public static string NewShareCode()
    {
        var symbols = RandomNumberGenerator.GetItems<char>(ShareCodeAlphabet, 16);
        return string.Create(ShareCodeLength, symbols, static (span, s) =>
        {
            s.AsSpan(0, 8).CopyTo(span);
            span[8] = '-';
            s.AsSpan(8, 8).CopyTo(span[9..]);
        });
    }

    /// <summary>Whether <paramref name="token"/> has the shape of a token this server issues.</summary>
    public static bool IsWellFormedToken(string? token)
    {
        if (token is null || token.Length != TokenLength)
        {
            return false;
        }

        foreach (var c in token)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c == '-' || c == '_'))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// The canonical (uppercase) form of a share code, or null if <paramref name="code"/> cannot be one.
    /// Codes are case-insensitive.
    /// </summary>
    public static string? NormalizeShareCode(string? code)
    {
        if (code is null)
        {
            return null;
        }

        code = code.Trim();
        if (code.Length != ShareCodeLength || code[8] != '-')
        {
            return null;
        }

        var upper = code.ToUpperInvariant();
        for (var i = 0; i < upper.Length; i++)
        {
            if (i != 8 && !(char.IsAsciiLetterUpper(upper[i]) || char.IsAsciiDigit(upper[i])))
            {
                return null;
            }
        }

        return upper;
    }

    /// <summary>SHA-256 of the secret's UTF-8 bytes: what the database stores and is searched by.</summary>
    public static byte[] Hash(string secret)
    {
        ArgumentNullException.ThrowIfNull(secret);
        return SHA256.HashData(Encoding.UTF8.GetBytes(secret));
    }

    /// <summary>Constant-time equality of two hashes (or any secrets as bytes).</summary>
    public static bool FixedTimeEquals(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b) =>
        CryptographicOperations.FixedTimeEquals(a, b);
}
