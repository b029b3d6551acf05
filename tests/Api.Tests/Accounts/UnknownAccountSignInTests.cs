using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using Platform.Api.Features.Accounts;

namespace Platform.Api.Tests.Accounts;

/// <summary>
/// A failed sign-in must not tell whether the e-mail address has an account, neither by its answer nor by how long it
/// takes: an unknown address does the same password hashing work as a wrong password for a real account.
/// </summary>
public sealed class UnknownAccountSignInTests
{
    [Fact]
    public async Task Signing_in_to_an_unknown_account_verifies_the_password_as_a_wrong_password_does()
    {
        var hasher = new CountingHasher();
        var known = new PlatformUser { Id = Guid.NewGuid(), UserName = "known@example.com", Email = "known@example.com" };
        known.PasswordHash = new PasswordHasher<PlatformUser>().HashPassword(known, "the right password");
        await using var services = Services(hasher, known);
        await using var scope = services.CreateAsyncScope();
        var signIn = scope.ServiceProvider.GetRequiredService<SignInManager<PlatformUser>>();

        var wrongPassword = await signIn.PasswordSignInAsync("known@example.com", "a wrong password", false, true);
        var verificationsForKnown = hasher.Verifications;
        var unknownAccount = await signIn.PasswordSignInAsync("nobody@example.com", "a wrong password", false, true);

        Assert.False(wrongPassword.Succeeded);
        Assert.False(unknownAccount.Succeeded);
        Assert.Equal(wrongPassword.ToString(), unknownAccount.ToString());
        Assert.Equal(1, verificationsForKnown);
        Assert.Equal(2, hasher.Verifications);
    }

    private static ServiceProvider Services(CountingHasher hasher, PlatformUser known)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddAuthentication();
        services.AddHttpContextAccessor();
        services.AddIdentityCore<PlatformUser>()
            .AddUserManager<PlatformUserManager>()
            .AddSignInManager<PlatformSignInManager>()
            .AddUserStore<OneUserStore>();
        services.AddSingleton(known);
        services.AddSingleton<SessionStamps>();
        services.AddHybridCache();
        services.AddSingleton<IPasswordHasher<PlatformUser>>(hasher);
        return services.BuildServiceProvider();
    }

    private sealed class CountingHasher : IPasswordHasher<PlatformUser>
    {
        private readonly PasswordHasher<PlatformUser> _inner = new();

        public int Verifications { get; private set; }

        public string HashPassword(PlatformUser user, string password) => _inner.HashPassword(user, password);

        public PasswordVerificationResult VerifyHashedPassword(PlatformUser user, string hashedPassword, string providedPassword)
        {
            Verifications++;
            return _inner.VerifyHashedPassword(user, hashedPassword, providedPassword);
        }
    }

    /// <summary>A store that knows one account (what Identity's sign-in reads: the user and its password hash).</summary>
    private sealed class OneUserStore(PlatformUser known) : IUserPasswordStore<PlatformUser>
    {
        public Task<PlatformUser?> FindByNameAsync(string normalizedUserName, CancellationToken cancellationToken) =>
            Task.FromResult(normalizedUserName == known.UserName!.ToUpperInvariant() ? known : null);

        public Task<PlatformUser?> FindByIdAsync(string userId, CancellationToken cancellationToken) =>
            Task.FromResult(userId == known.Id.ToString() ? known : null);

        public Task<string?> GetPasswordHashAsync(PlatformUser user, CancellationToken cancellationToken) => Task.FromResult(user.PasswordHash);

        public Task<bool> HasPasswordAsync(PlatformUser user, CancellationToken cancellationToken) => Task.FromResult(user.PasswordHash is not null);

        public Task SetPasswordHashAsync(PlatformUser user, string? passwordHash, CancellationToken cancellationToken)
        {
            user.PasswordHash = passwordHash;
            return Task.CompletedTask;
        }

        public Task<string> GetUserIdAsync(PlatformUser user, CancellationToken cancellationToken) => Task.FromResult(user.Id.ToString());

        public Task<string?> GetUserNameAsync(PlatformUser user, CancellationToken cancellationToken) => Task.FromResult(user.UserName);

        public Task SetUserNameAsync(PlatformUser user, string? userName, CancellationToken cancellationToken) => Task.CompletedTask;

        public Task<string?> GetNormalizedUserNameAsync(PlatformUser user, CancellationToken cancellationToken) => Task.FromResult(user.NormalizedUserName);

        public Task SetNormalizedUserNameAsync(PlatformUser user, string? normalizedName, CancellationToken cancellationToken) => Task.CompletedTask;

        public Task<IdentityResult> CreateAsync(PlatformUser user, CancellationToken cancellationToken) => Task.FromResult(IdentityResult.Success);

        public Task<IdentityResult> UpdateAsync(PlatformUser user, CancellationToken cancellationToken) => Task.FromResult(IdentityResult.Success);

        public Task<IdentityResult> DeleteAsync(PlatformUser user, CancellationToken cancellationToken) => Task.FromResult(IdentityResult.Success);

        public void Dispose()
        {
        }
    }
}
