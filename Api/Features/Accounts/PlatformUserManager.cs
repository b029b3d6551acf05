using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace Platform.Api.Features.Accounts;

/// <summary>
/// Identity's user manager with two changes:
/// <list type="bullet">
/// <item>No account lockout. Identity's lockout counts failures per account, whoever sends them, so anyone who knows an
/// e-mail address can keep its owner out (five wrong passwords, every five minutes). Guessing is throttled per client
/// address and per address and account instead (<see cref="SignInThrottle"/>); with <see cref="SupportsUserLockout"/>
/// off, Identity's login endpoint (which always asks for lockout on failure) neither counts nor locks, and a failure
/// writes nothing to the database.</item>
/// <item>Every change to a user (a new security stamp on sign-out, a password change) also forgets the stamp
/// <see cref="SessionStamps"/> cached, so this instance refuses the old tokens at once.</item>
/// </list>
/// </summary>
public sealed class PlatformUserManager(
    IUserStore<PlatformUser> store,
    IOptions<IdentityOptions> optionsAccessor,
    IPasswordHasher<PlatformUser> passwordHasher,
    IEnumerable<IUserValidator<PlatformUser>> userValidators,
    IEnumerable<IPasswordValidator<PlatformUser>> passwordValidators,
    ILookupNormalizer keyNormalizer,
    IdentityErrorDescriber errors,
    IServiceProvider services,
    ILogger<UserManager<PlatformUser>> logger,
    SessionStamps stamps)
    : UserManager<PlatformUser>(store, optionsAccessor, passwordHasher, userValidators, passwordValidators, keyNormalizer, errors, services, logger)
{
    public override bool SupportsUserLockout => false;

    protected override async Task<IdentityResult> UpdateUserAsync(PlatformUser user)
    {
        var result = await base.UpdateUserAsync(user);
        await stamps.ForgetAsync(user.Id);
        return result;
    }
}
