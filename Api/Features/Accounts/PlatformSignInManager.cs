using System.Security.Cryptography;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace Platform.Api.Features.Accounts;

/// <summary>
/// Identity's sign-in manager, except that signing in to an account that does not exist costs the same as a wrong
/// password. Identity answers an unknown e-mail address without hashing anything, so the time a failed sign-in takes
/// tells an attacker whether the address has an account even though the answer is the same 401. Here the password is
/// checked against a decoy hash made by the same hasher (same algorithm and iteration count) before failing.
/// </summary>
public sealed class PlatformSignInManager(
    UserManager<PlatformUser> userManager,
    IHttpContextAccessor contextAccessor,
    IUserClaimsPrincipalFactory<PlatformUser> claimsFactory,
    IOptions<IdentityOptions> optionsAccessor,
    ILogger<SignInManager<PlatformUser>> logger,
    IAuthenticationSchemeProvider schemes,
    IUserConfirmation<PlatformUser> confirmation)
    : SignInManager<PlatformUser>(userManager, contextAccessor, claimsFactory, optionsAccessor, logger, schemes, confirmation)
{
    private static readonly PlatformUser Decoy = new() { Id = Guid.Empty, UserName = "decoy" };

    /// <summary>
    /// Made once per process by the configured hasher on the first unknown sign-in; Identity's hash format carries its
    /// algorithm and iteration count, so verifying against it costs what verifying a real account's hash costs.
    /// </summary>
    private static string? s_decoyHash;

    public override async Task<SignInResult> PasswordSignInAsync(string userName, string password, bool isPersistent, bool lockoutOnFailure)
    {
        if (await UserManager.FindByNameAsync(userName) is { } user)
        {
            return await PasswordSignInAsync(user, password, isPersistent, lockoutOnFailure);
        }

        var decoyHash = s_decoyHash ??= UserManager.PasswordHasher.HashPassword(Decoy, Convert.ToBase64String(RandomNumberGenerator.GetBytes(24)));
        UserManager.PasswordHasher.VerifyHashedPassword(Decoy, decoyHash, password);
        return SignInResult.Failed;
    }
}
