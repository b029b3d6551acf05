using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Authentication.BearerToken;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Identity.Data;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Platform.Api.Features.Accounts;

/// <summary>
/// Refresh tokens are single-use. Identity's <c>/refresh</c> hands out a new pair for a valid refresh token, as often as
/// it is shown one: a stolen refresh token would give access for its whole 14 days. Here every refresh token that is
/// exchanged is recorded in Redis (a SHA-256 of the token, kept until the token would expire anyway: Redis is shared by
/// every Api instance, and the record must outlive a restart of any of them). A token shown a second time means two
/// parties hold it and one is a thief; which one cannot be told, so the refusal ends every session of the account (a new
/// security stamp): the token's family (every pair that descended from the same sign-in) and, because Identity's
/// tokens carry no family id, the account's other sessions too. The thief and the owner both have to sign in again, and
/// only the owner can.
/// <para>
/// Written as a filter in front of Identity's own endpoint, not as a replacement, so the token format, the stamp check
/// and the answer stay Identity's; Identity offers no event when a refresh token is redeemed.
/// </para>
/// </summary>
public static class RefreshTokenReuse
{
    private const string KeyPrefix = "platform:api:refresh-token-used:";

    public static async ValueTask<object?> RefuseReuseAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        if (context.Arguments.OfType<RefreshRequest>().FirstOrDefault() is not { RefreshToken: { Length: > 0 } token })
        {
            return await next(context);
        }

        var services = context.HttpContext.RequestServices;
        var protector = services.GetRequiredService<IOptionsMonitor<BearerTokenOptions>>().Get(IdentityConstants.BearerScheme).RefreshTokenProtector;
        var now = services.GetRequiredService<TimeProvider>().GetUtcNow();
        if (protector.Unprotect(token) is not { Properties.ExpiresUtc: { } expires } ticket || expires <= now)
        {
            // Not a token this Api issued, or expired: Identity refuses it, and there is nothing worth recording.
            return await next(context);
        }

        // The record is of the token's one canonical spelling (TokenSpelling): a hash of the string as sent would let
        // "T", "T " and "T=" each count as a first use.
        if (!TokenSpelling.IsCanonical(token))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "The refresh token is not valid.");
        }

        var redis = services.GetRequiredService<IConnectionMultiplexer>().GetDatabase();
        var id = Convert.ToHexStringLower(SHA256.HashData(Encoding.ASCII.GetBytes(token)));
        if (await redis.StringSetAsync(KeyPrefix + id, "1", expires - now, When.NotExists))
        {
            return await next(context);
        }

        var users = services.GetRequiredService<UserManager<PlatformUser>>();
        if (await users.GetUserAsync(ticket.Principal) is { } user)
        {
            await users.UpdateSecurityStampAsync(user);
        }

        return TypedResults.Problem(
            statusCode: StatusCodes.Status401Unauthorized,
            title: "This refresh token was used before.",
            detail: "A refresh token works once. It was shown again, so every session of the account has ended: sign in again.");
    }
}
