using System.ComponentModel.DataAnnotations;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;
using Platform.Api.Infrastructure;

namespace Platform.Api.Features.Accounts;

/// <summary>How often sign-in, registration and refresh may be tried (<c>Accounts:SignInLimits</c>).</summary>
public sealed class SignInLimitOptions
{
    public const string SectionName = "Accounts:SignInLimits";

    /// <summary>Requests to login, register and refresh together, per client address and <see cref="AddressWindow"/>.</summary>
    [Range(1, 100_000)]
    public int AddressPermits { get; set; } = 10;

    public TimeSpan AddressWindow { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Failed sign-ins from one address to one account per <see cref="FailureWindow"/>.</summary>
    [Range(1, 10_000)]
    public int FailuresPerAddressAndAccount { get; set; } = 5;

    public TimeSpan FailureWindow { get; set; } = TimeSpan.FromMinutes(15);
}

/// <summary>
/// Sign-in guessing, throttled without handing anyone a way to lock someone else out:
/// <list type="bullet">
/// <item>per client address, every login, register and refresh request: ASP.NET Core's rate limiter (policy
/// <see cref="AddressPolicy"/>), a 429 with <c>Retry-After</c>;</item>
/// <item>per address and account, only failed sign-ins count. Past the limit the Api answers exactly as for a wrong
/// password (no password is checked), so the answer says nothing about whether the account exists or is being throttled,
/// and the owner signing in from their own address is not affected by an attacker's failures. There is deliberately no
/// ceiling per account over all addresses: whoever reached it would lock the owner out, which is the attack the
/// throttle exists to prevent; guessing spread over many addresses meets the per-address limit and the password
/// policy instead.</item>
/// </list>
/// The counters live in each Api instance's memory (System.Threading.RateLimiting): with N instances behind the load
/// balancer a guesser gets at most N times the limits, which keeps the order of magnitude and needs no Redis round trip on
/// every sign-in.
/// </summary>
public sealed class SignInThrottle : IDisposable
{
    public const string AddressPolicy = "sign-in-per-address";

    private readonly PartitionedRateLimiter<string> _failuresPerAddressAndAccount;
    // Identity's own normalizer, the one the user store looks accounts up with; made here because Identity registers it
    // scoped and this throttle is a singleton.
    private readonly ILookupNormalizer _normalizer = new UpperInvariantLookupNormalizer();

    public SignInThrottle(IOptions<SignInLimitOptions> options)
    {
        var limits = options.Value;
        _failuresPerAddressAndAccount = Failures(limits.FailuresPerAddressAndAccount, limits.FailureWindow);
    }

    /// <summary>The partition of a request: its client address (after the trusted proxies' X-Forwarded-For).</summary>
    public static string ClientAddress(HttpContext context) => context.Connection.RemoteIpAddress?.ToString() ?? "unknown";

    /// <summary>True when this address may still try a password on this account.</summary>
    public bool MayTry(string address, string email)
    {
        var account = Account(email);
        return _failuresPerAddressAndAccount.GetStatistics($"{address}|{account}")?.CurrentAvailablePermits is not 0;
    }

    public void Failed(string address, string email)
    {
        var account = Account(email);
        using var perAddress = _failuresPerAddressAndAccount.AttemptAcquire($"{address}|{account}");
    }

    public void Dispose()
    {
        _failuresPerAddressAndAccount.Dispose();
    }

    /// <summary>The per-address limit of login, register and refresh, with its own 429 answer.</summary>
    public static void AddPolicy(RateLimiterOptions options) => options.AddPolicy<string, AddressLimitPolicy>(AddressPolicy);

    /// <summary>The account as Identity finds it (Unicode-normalized, upper case): every spelling of one e-mail is one account.</summary>
    private string Account(string email) => _normalizer.NormalizeEmail(email.Trim()) ?? string.Empty;

    private static PartitionedRateLimiter<string> Failures(int permits, TimeSpan window) =>
        PartitionedRateLimiter.Create<string, string>(key => RateLimitPartition.GetFixedWindowLimiter(key, _ => new FixedWindowRateLimiterOptions
        {
            PermitLimit = permits,
            Window = window,
            QueueLimit = 0,
            AutoReplenishment = true,
        }));

    private sealed class AddressLimitPolicy(IOptions<SignInLimitOptions> options) : IRateLimiterPolicy<string>
    {
        public Func<OnRejectedContext, CancellationToken, ValueTask>? OnRejected { get; } =
            (context, _) => TooManyRequests.WriteAsync(context, "Too many sign-in attempts from this address.");

        public RateLimitPartition<string> GetPartition(HttpContext httpContext)
        {
            var limits = options.Value;
            return RateLimitPartition.GetTokenBucketLimiter(ClientAddress(httpContext), _ => new TokenBucketRateLimiterOptions
            {
                TokenLimit = limits.AddressPermits,
                TokensPerPeriod = limits.AddressPermits,
                ReplenishmentPeriod = limits.AddressWindow,
                QueueLimit = 0,
                AutoReplenishment = true,
            });
        }
    }
}
