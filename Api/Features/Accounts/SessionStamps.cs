using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.Options;
using Platform.Api.Data;

namespace Platform.Api.Features.Accounts;

/// <summary>
/// The current security stamp of each account, as the Api's bearer tokens are checked against it. Signing out and
/// changing the password give the account a new stamp; a token carrying an old one is refused.
/// <para>
/// The stamp is read from the primary database (a replica could still show the old one just after a sign-out) and kept
/// in this instance's memory for <see cref="CacheFor"/>: a list request then costs a dictionary lookup, not a query.
/// The instance that handles a sign-out forgets the entry at once; every other instance notices within
/// <see cref="CacheFor"/>. Memory only, not Redis: the answer must come from the database anyway, and a Redis outage
/// must not slow down or break every signed-in request.
/// </para>
/// </summary>
public sealed class SessionStamps(HybridCache cache, IServiceScopeFactory scopes)
{
    public static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(10);

    private static readonly HybridCacheEntryOptions Entry = new()
    {
        Expiration = CacheFor,
        LocalCacheExpiration = CacheFor,
        Flags = HybridCacheEntryFlags.DisableDistributedCache,
    };

    /// <summary>The account's stamp now, or null when the account no longer exists.</summary>
    public ValueTask<string?> CurrentAsync(Guid userId, CancellationToken ct) =>
        cache.GetOrCreateAsync(Key(userId), (userId, scopes), static async (state, token) =>
        {
            await using var scope = state.scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<PlatformDbContext>();
            return await db.Users.Where(u => u.Id == state.userId).Select(u => u.SecurityStamp).SingleOrDefaultAsync(token);
        }, Entry, cancellationToken: ct);

    public ValueTask ForgetAsync(Guid userId) => cache.RemoveAsync(Key(userId));

    private static string Key(Guid userId) => $"platform:api:security-stamp:{userId:N}";
}

/// <summary>
/// The scheme every signed-in endpoint uses: Identity's bearer token, and then the token's security stamp must still
/// be the account's (<see cref="SessionStamps"/>). Identity checks the stamp when a refresh token is exchanged, never
/// for an access token (cookies have a SecurityStampValidator, bearer tokens nothing), so without this a token
/// outlives a sign-out or a password change by its whole lifetime.
/// </summary>
public sealed class SignedInSessionHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    SessionStamps stamps,
    IOptions<IdentityOptions> identity)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "Identity.Bearer.Session";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var bearer = await Context.AuthenticateAsync(IdentityConstants.BearerScheme);
        if (!bearer.Succeeded)
        {
            return bearer.None ? AuthenticateResult.NoResult() : AuthenticateResult.Fail(bearer.Failure!);
        }

        var principal = bearer.Principal;
        var stamp = principal.FindFirstValue(identity.Value.ClaimsIdentity.SecurityStampClaimType);
        if (!Guid.TryParse(principal.FindFirstValue(ClaimTypes.NameIdentifier), out var userId)
            || stamp is null
            || await stamps.CurrentAsync(userId, Context.RequestAborted) != stamp)
        {
            return AuthenticateResult.Fail("The session has ended (signed out, or the password was changed).");
        }

        return AuthenticateResult.Success(new AuthenticationTicket(principal, bearer.Properties, Scheme.Name));
    }
}
