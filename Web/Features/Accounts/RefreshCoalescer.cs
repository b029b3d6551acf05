using System.Collections.Concurrent;

namespace Platform.Web.Features.Accounts;

/// <summary>
/// One exchange per refresh token. The Api takes each refresh token once and ends every session of the account when it
/// sees one again (a reused token means a stolen one), but a page and the script calls it starts can all find the same
/// expired access token at once. Requests that hold the same refresh token share one exchange, and its answer is kept
/// for <see cref="Keep"/> for requests that read the session before the first one stored the new tokens. No library
/// does this for a token held in a server-side session, hence this class. It works per Web instance: two instances
/// refreshing one session at the same moment is rare, and ends that session cleanly (the user signs in again).
/// </summary>
public sealed class RefreshCoalescer
{
    public static readonly TimeSpan Keep = TimeSpan.FromSeconds(30);

    private readonly ConcurrentDictionary<string, Lazy<Task<AccountsApiClient.TokenResponse?>>> _exchanges = new(StringComparer.Ordinal);

    public Task<AccountsApiClient.TokenResponse?> RefreshAsync(string refreshToken, Func<Task<AccountsApiClient.TokenResponse?>> exchange)
    {
        var lazy = _exchanges.GetOrAdd(refreshToken, token => new Lazy<Task<AccountsApiClient.TokenResponse?>>(async () =>
        {
            try
            {
                return await exchange();
            }
            finally
            {
                _ = Task.Delay(Keep).ContinueWith(_ => _exchanges.TryRemove(token, out var _), TaskScheduler.Default);
            }
        }));
        return lazy.Value;
    }
}
