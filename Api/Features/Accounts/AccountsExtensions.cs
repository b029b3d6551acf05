using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.BearerToken;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.RateLimiting;
using Platform.Api.Data;

namespace Platform.Api.Features.Accounts;

/// <summary>
/// Accounts: ASP.NET Core Identity on the Api's database, with the Identity API endpoints (register, login, refresh, …)
/// under <c>/api/auth</c> handing out bearer tokens, plus <c>/api/auth/logout</c>.
/// <list type="bullet">
/// <item>Access tokens live <see cref="AccessTokenLifetime"/> and are refused as soon as the account's security stamp
/// changes (sign-out, password change: <see cref="SignedInSessionHandler"/>); refresh tokens work once
/// (<see cref="RefreshTokenReuse"/>).</item>
/// <item>Sign-in, registration and refresh are throttled per client address and, for failed sign-ins, per address and
/// account (<see cref="SignInThrottle"/>); no account lockout anyone could trigger (<see cref="PlatformUserManager"/>);
/// an unknown account costs the same time as a wrong password (<see cref="PlatformSignInManager"/>).</item>
/// <item>Passwords: <see cref="PasswordPolicy"/>.</item>
/// </list>
/// </summary>
public static class AccountsExtensions
{
    /// <summary>The policy of every endpoint that needs a signed-in user: a bearer token, never a cookie (no CSRF surface).</summary>
    public const string SignedInUserPolicy = "signed-in-user";

    /// <summary>
    /// Short, so that what the stamp check cannot see (a token copied before the account was deleted, a clock that is
    /// off) ends soon anyway; clients refresh every few minutes, which also checks the stamp.
    /// </summary>
    public static readonly TimeSpan AccessTokenLifetime = TimeSpan.FromMinutes(5);

    private const string DataProtectionKeysKey = "platform:api:data-protection-keys";

    public static IHostApplicationBuilder AddAccounts(this IHostApplicationBuilder builder)
    {
        builder.Services.AddIdentityApiEndpoints<PlatformUser>(options =>
            {
                // No lockout (see PlatformUserManager); guessing is throttled by SignInThrottle instead.
                options.Lockout.AllowedForNewUsers = false;

                // NIST SP 800-63B: a minimum length and no composition rules; PasswordPolicy refuses common and guessable ones.
                options.Password.RequiredLength = PasswordPolicy.MinimumLength;
                options.Password.RequireDigit = false;
                options.Password.RequireLowercase = false;
                options.Password.RequireUppercase = false;
                options.Password.RequireNonAlphanumeric = false;
                options.Password.RequiredUniqueChars = 1;
            })
            .AddUserManager<PlatformUserManager>()
            .AddSignInManager<PlatformSignInManager>()
            .AddPasswordValidator<PasswordPolicy>()
            .AddEntityFrameworkStores<PlatformDbContext>();
        builder.Services.Configure<BearerTokenOptions>(IdentityConstants.BearerScheme, options => options.BearerTokenExpiration = AccessTokenLifetime);
        // Each access token is decrypted once per instance, not with every request (ReadAccessTokens).
        builder.Services.AddSingleton<ReadAccessTokens>();
        builder.Services.AddOptions<BearerTokenOptions>(IdentityConstants.BearerScheme)
            .PostConfigure<ReadAccessTokens>((options, read) => options.BearerTokenProtector = read.Around(options.BearerTokenProtector));

        builder.Services.AddHybridCache();
        builder.Services.AddSingleton<SessionStamps>();
        builder.Services.AddAuthentication()
            .AddScheme<AuthenticationSchemeOptions, SignedInSessionHandler>(SignedInSessionHandler.SchemeName, displayName: null, _ => { });
        // The default policy too: Identity's /manage endpoints ask for it, and a revoked token must not change the account.
        var signedIn = new AuthorizationPolicyBuilder(SignedInSessionHandler.SchemeName).RequireAuthenticatedUser().Build();
        builder.Services.AddAuthorizationBuilder()
            .AddPolicy(SignedInUserPolicy, signedIn)
            .SetDefaultPolicy(signedIn);

        builder.Services.AddOptions<SignInLimitOptions>().BindConfiguration(SignInLimitOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<SignInThrottle>();
        builder.Services.AddRateLimiter(SignInThrottle.AddPolicy);

        // The client address the sign-in limits count: behind a trusted proxy (loopback by default: Web, or a local
        // proxy; in AWS the VPC's range, ForwardedHeaders:KnownNetworks) the address that proxy forwards.
        // ForwardedHeaders:ForwardLimit is how many proxies stand in front: 1 locally (Web), 2 in AWS (CloudFront, then
        // the load balancer, each appending who called it); both keys are read in ServiceDefaults/Http/ForwardedHost.cs.
        builder.Services.Configure<ForwardedHeadersOptions>(options =>
        {
            options.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
            options.ForwardLimit = builder.Configuration.GetValue("ForwardedHeaders:ForwardLimit", 1);
        });

        // Bearer tokens are protected with Data Protection keys. Every Api instance behind the load balancer must read
        // the tokens the others issued, so the key ring lives in Redis rather than in each container's file system,
        // each key encrypted (PlatformDataProtection).
        builder.AddPlatformDataProtection("platform-api", DataProtectionKeysKey);
        return builder;
    }

    public static IEndpointRouteBuilder MapAccountEndpoints(this IEndpointRouteBuilder app)
    {
        var auth = app.MapGroup("/api/auth").WithTags("Accounts")
            .AddEndpointFilter(AccountRequestValidation.ValidateAsync)
            .AddEndpointFilter(RefreshTokenReuse.RefuseReuseAsync);
        auth.MapIdentityApi<PlatformUser>().Add(endpoint =>
        {
            if (endpoint is RouteEndpointBuilder { RoutePattern.RawText: { } route } && ThrottledRoutes.Any(r => route.EndsWith(r, StringComparison.Ordinal)))
            {
                endpoint.Metadata.Add(new EnableRateLimitingAttribute(SignInThrottle.AddressPolicy));
            }
        });
        auth.MapPost("/logout", LogoutAsync).WithName("Logout")
            .RequireAuthorization(SignedInUserPolicy)
            .ProducesProblem(StatusCodes.Status401Unauthorized);
        return app;
    }

    private static readonly string[] ThrottledRoutes = ["/login", "/register", "/refresh", "/manage/info"];

    /// <summary>
    /// Signs the account out everywhere: a new security stamp makes every token issued so far useless, refresh tokens at
    /// once (Identity's <c>/refresh</c> checks the stamp), access tokens within <see cref="SessionStamps.CacheFor"/>
    /// (at once on this instance).
    /// </summary>
    private static async Task<Results<NoContent, UnauthorizedHttpResult>> LogoutAsync(ClaimsPrincipal principal, UserManager<PlatformUser> users)
    {
        if (await users.GetUserAsync(principal) is not { } user)
        {
            return TypedResults.Unauthorized();
        }

        await users.UpdateSecurityStampAsync(user);
        return TypedResults.NoContent();
    }

    /// <summary>The signed-in user's id (the bearer token's name identifier).</summary>
    public static Guid UserId(this ClaimsPrincipal user) =>
        Guid.TryParse(user.FindFirstValue(ClaimTypes.NameIdentifier), out var id)
            ? id
            : throw new InvalidOperationException("The endpoint requires the signed-in-user policy, but the principal has no user id.");
}
