using System.Security.Claims;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.StackExchangeRedis;
using Microsoft.AspNetCore.Identity;
using Platform.Api.Data;
using StackExchange.Redis;

namespace Platform.Api.Features.Accounts;

/// <summary>
/// Accounts: ASP.NET Core Identity on the Api's database, with the Identity API endpoints (register, login, refresh, …)
/// under <c>/api/auth</c> handing out bearer tokens. Passwords and lockout follow Identity's defaults.
/// </summary>
public static class AccountsExtensions
{
    /// <summary>The policy of every endpoint that needs a signed-in user: a bearer token, never a cookie (no CSRF surface).</summary>
    public const string SignedInUserPolicy = "signed-in-user";

    private const string DataProtectionKeysKey = "platform:api:data-protection-keys";

    public static IHostApplicationBuilder AddAccounts(this IHostApplicationBuilder builder)
    {
        builder.Services.AddIdentityApiEndpoints<PlatformUser>()
            .AddEntityFrameworkStores<PlatformDbContext>();

        builder.Services.AddAuthorizationBuilder()
            .AddPolicy(SignedInUserPolicy, policy => policy
                .AddAuthenticationSchemes(IdentityConstants.BearerScheme)
                .RequireAuthenticatedUser());

        // Bearer tokens are protected with Data Protection keys. Every Api instance behind the load balancer must read
        // the tokens the others issued, so the key ring lives in Redis rather than in each container's file system.
        builder.Services.AddDataProtection().SetApplicationName("platform-api");
        builder.Services.AddOptions<KeyManagementOptions>().Configure<IConnectionMultiplexer>((options, redis) =>
            options.XmlRepository = new RedisXmlRepository(() => redis.GetDatabase(), DataProtectionKeysKey));
        return builder;
    }

    public static IEndpointRouteBuilder MapAccountEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGroup("/api/auth").WithTags("Accounts").MapIdentityApi<PlatformUser>();
        return app;
    }

    /// <summary>The signed-in user's id (the bearer token's name identifier).</summary>
    public static Guid UserId(this ClaimsPrincipal user) =>
        Guid.TryParse(user.FindFirstValue(ClaimTypes.NameIdentifier), out var id)
            ? id
            : throw new InvalidOperationException("The endpoint requires the signed-in-user policy, but the principal has no user id.");
}
