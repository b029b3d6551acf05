using Microsoft.AspNetCore.Identity;
using Platform.Api.Features.Accounts;

namespace Platform.Api.Tests.Accounts;

/// <summary>Which passwords an account can have: long ones that are hard to guess, whatever characters they use.</summary>
public sealed class PasswordPolicyTests
{
    private static readonly PlatformUser User = new() { UserName = "ada.lovelace@example.test", Email = "ada.lovelace@example.test" };

    [Theory]
    [InlineData("qwertyuiopasdf")]
    [InlineData("zxcvbnmasdfghjkl")]
    [InlineData("abcdefghijklmnop")]
    [InlineData("1qaz2wsx3edc4rfv")]
    [InlineData("ada.lovelace1815")]
    public async Task A_keyboard_walk_a_sequence_or_the_account_name_is_refused(string password)
    {
        var result = await new PasswordPolicy().ValidateAsync(null!, User, password);

        Assert.False(result.Succeeded);
        Assert.Contains(result.Errors, e => e.Description.Contains("harder to guess", StringComparison.Ordinal) || e.Code == "PasswordContainsEmail");
    }

    [Theory]
    [InlineData("purple walrus under a quiet bridge")]
    [InlineData("Correct-Horse-9-Battery")]
    [InlineData("gallery walk at dusk")]
    public async Task A_passphrase_of_unrelated_words_is_accepted(string password)
    {
        var result = await new PasswordPolicy().ValidateAsync(null!, User, password);

        Assert.True(result.Succeeded, string.Join("; ", result.Errors.Select(e => e.Description)));
    }
}
