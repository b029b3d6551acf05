using System.Reflection;
using Microsoft.AspNetCore.Identity;

namespace Platform.Api.Features.Accounts;

/// <summary>
/// Passwords as NIST SP 800-63B (5.1.1.2) asks: at least <see cref="MinimumLength"/> characters, no composition rules
/// (no "one digit, one symbol": they make passwords harder to remember, not to guess), and no password that is common or
/// easily guessed. Identity's own composition rules are switched off in <see cref="AccountsExtensions"/>; this validator
/// refuses what remains:
/// <list type="bullet">
/// <item>a password on the list of common passwords (<c>common-passwords.txt</c>, the 49,000 most frequent leaked
/// passwords from the zxcvbn project's dictionary, MIT licence), compared without case, also once leading and trailing
/// digits and symbols are taken off ("Password1234!" is "password");</item>
/// <item>one character or a short pattern repeated ("aaaaaaaaaaaa", "abcabcabcabc": fewer than five distinct characters);</item>
/// <item>the account's e-mail address or its local part;</item>
/// <item>what the zxcvbn strength estimator (package <c>zxcvbn-core</c>) scores below <see cref="MinimumScore"/> on its 0–4 scale:
/// keyboard walks ("qwertyuiopasdf"), sequences, dates, names and words with predictable substitutions, which a list
/// of whole passwords cannot know. The account's e-mail address is among the words it is told to expect.</item>
/// </list>
/// The list comes first: its answer is one a person can be told in a sentence; the estimator catches the patterns.
/// </summary>
public sealed class PasswordPolicy : IPasswordValidator<PlatformUser>
{
    public const int MinimumLength = 12;

    public const string CommonCode = "PasswordTooCommon";

    /// <summary>zxcvbn's "safely unguessable" band starts at 3 (about 10^8 guesses and up).</summary>
    public const int MinimumScore = 3;

    /// <summary>How much of a password the estimator reads (see <see cref="ValidateAsync"/>).</summary>
    public const int EstimatedLength = 32;

    private static readonly Lazy<HashSet<string>> Common = new(LoadCommonPasswords);

    public Task<IdentityResult> ValidateAsync(UserManager<PlatformUser> manager, PlatformUser user, string? password)
    {
        if (string.IsNullOrEmpty(password) || password.Length < MinimumLength)
        {
            // Identity's RequiredLength says the same; kept here too so the rule holds whatever the options say.
            return Task.FromResult(Failed("PasswordTooShort", $"Passwords must be at least {MinimumLength} characters long."));
        }

        var lower = password.ToLowerInvariant();
        var stem = lower.Trim().Trim("0123456789!@#$%^&*()-_=+.,;:?~'\"[]{}<>/\\| ".ToCharArray());
        if (Common.Value.Contains(lower) || (stem.Length >= 4 && Common.Value.Contains(stem)))
        {
            return Task.FromResult(Failed(CommonCode, "This password is one of the most common passwords: choose one that is harder to guess (a few unrelated words work well)."));
        }

        if (lower.Distinct().Count() < 5)
        {
            return Task.FromResult(Failed(CommonCode, "This password repeats a few characters: choose one that is harder to guess (a few unrelated words work well)."));
        }

        if (user.Email is { Length: > 0 } email
            && (lower.Contains(email.ToLowerInvariant(), StringComparison.Ordinal)
                || (email.Split('@')[0] is { Length: >= 4 } local && lower.Contains(local.ToLowerInvariant(), StringComparison.Ordinal))))
        {
            return Task.FromResult(Failed("PasswordContainsEmail", "The password must not contain the e-mail address."));
        }

        // The estimator's matching grows with the square of the length (a random 256-character password takes seconds):
        // it judges the first EstimatedLength characters, which are already unguessable in any password that passes.
        if (Zxcvbn.Zxcvbn.MatchPassword(password[..Math.Min(password.Length, EstimatedLength)], user.Email is { } known ? [known, known.Split('@')[0]] : null).Score < MinimumScore)
        {
            return Task.FromResult(Failed(CommonCode, "This password follows a pattern that is easy to guess (a keyboard row, a sequence, a date or a name): choose one that is harder to guess (a few unrelated words work well)."));
        }

        return Task.FromResult(IdentityResult.Success);
    }

    private static IdentityResult Failed(string code, string description) => IdentityResult.Failed(new IdentityError { Code = code, Description = description });

    private static HashSet<string> LoadCommonPasswords()
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("Platform.Api.Features.Accounts.common-passwords.txt")
            ?? throw new InvalidOperationException("The common-password list is missing from the Api assembly.");
        using var reader = new StreamReader(stream);
        var passwords = new HashSet<string>(StringComparer.Ordinal);
        while (reader.ReadLine() is { } line)
        {
            if (line.Length > 0 && line[0] != '#')
            {
                passwords.Add(line);
            }
        }

        return passwords;
    }
}
