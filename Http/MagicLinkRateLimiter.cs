using System.Net;
using System.Net.Sockets;
using System.Threading.RateLimiting;

namespace Diaryx.Sync.Lite.Http;

/// <summary>
/// The rate limits of <c>POST /auth/magic-link</c>: links per email address
/// (<c>--magic-links-per-email-per-hour</c>) and requests per client address
/// (<c>--magic-links-per-ip-per-hour</c>, 0 = none). Each key gets a token bucket holding an hour's
/// allowance that refills evenly over the hour: N per hour, at most N at once. Kept in memory (a
/// restart starts afresh); buckets that are full again are dropped, so memory follows recent use.
/// </summary>
internal sealed class MagicLinkRateLimiter : IDisposable
{
    private readonly PartitionedRateLimiter<string> _perEmail;
    private readonly PartitionedRateLimiter<string>? _perClient;

    public MagicLinkRateLimiter(int perEmailPerHour, int perClientPerHour)
    {
        _perEmail = Hourly(perEmailPerHour);
        _perClient = perClientPerHour > 0 ? Hourly(perClientPerHour) : null;
    }

    /// <summary>Takes one request of the client's allowance: null if allowed, else how long until it may try again.</summary>
    public TimeSpan? TryAcquireForClient(IPAddress? address) =>
        _perClient is null ? null : TryAcquire(_perClient, ClientKey(address));

    /// <summary>Takes one link of the (normalized) address's allowance: null if allowed, else how long until it may try again.</summary>
    public TimeSpan? TryAcquireForEmail(string email) => TryAcquire(_perEmail, email);

    public void Dispose()
    {
        _perEmail.Dispose();
        _perClient?.Dispose();
    }

    private static TimeSpan? TryAcquire(PartitionedRateLimiter<string> limiter, string key)
    {
        using var lease = limiter.AttemptAcquire(key);
        if (lease.IsAcquired) return null;
        return lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? retryAfter : TimeSpan.FromHours(1);
    }

    private static PartitionedRateLimiter<string> Hourly(int perHour) =>
        PartitionedRateLimiter.Create<string, string>(key => RateLimitPartition.GetTokenBucketLimiter(key, _ => new TokenBucketRateLimiterOptions
        {
            TokenLimit = perHour,
            TokensPerPeriod = 1,
            ReplenishmentPeriod = TimeSpan.FromHours(1) / perHour,
            QueueLimit = 0,
        }));

    /// <summary>
    /// The address a client is counted under. IPv6 clients by their /64 network: one host usually
    /// holds a whole /64, so counting single addresses would not limit it at all.
    /// </summary>
    internal static string ClientKey(IPAddress? address)
    {
        if (address is null) return "";
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        if (address.AddressFamily != AddressFamily.InterNetworkV6) return address.ToString();
        var bytes = address.GetAddressBytes();
        bytes.AsSpan(8).Clear();
        return new IPAddress(bytes) + "/64";
    }
}
