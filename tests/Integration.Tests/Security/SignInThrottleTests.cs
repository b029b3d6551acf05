using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace Platform.Integration.Tests.Security;

/// <summary>
/// Password guessing: throttled per client address, without a lockout an attacker could use against the owner, and
/// with answers that never say whether an account exists. Passwords as NIST SP 800-63B asks.
/// </summary>
public sealed class SignInThrottleTests(PlatformAppFixture fixture)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_burst_of_failed_sign_ins_from_one_address_is_cut_off_with_429_and_retry_after()
    {
        using var attacker = SignInClients.FromNewAddress(fixture);

        // Guesses at once, each at a different account, as a credential-stuffing run would send them. The address's
        // bucket refills steadily (the limit per window, spread over it), and every admitted guess runs a password check
        // that holds the Api's cores a while, so later guesses reach the limiter after more tokens arrived: twice the
        // limit and one more is cut off unless the burst took a whole window to arrive.
        var guesses = (2 * PlatformAppFixture.SignInAddressPermits) + 1;
        var answers = await Task.WhenAll(Enumerable.Range(0, guesses).Select(i =>
            attacker.PostAsJsonAsync("/api/auth/login", new { email = $"victim-{i}-{Guid.NewGuid():N}@example.test", password = "a guess at the password" }, Ct)));

        Assert.All(answers, a => Assert.Contains(a.StatusCode, new[] { HttpStatusCode.Unauthorized, HttpStatusCode.TooManyRequests }));
        var limited = answers.FirstOrDefault(a => a.StatusCode == HttpStatusCode.TooManyRequests);
        Assert.True(limited is not null, $"all {guesses} guesses were answered 401: nothing throttles this address");
        Assert.True(limited.Headers.RetryAfter?.Delta > TimeSpan.Zero, "a 429 without Retry-After");
        await SignInClients.AssertProblemAsync(limited, HttpStatusCode.TooManyRequests, Ct);
    }

    [Fact]
    public async Task The_owner_still_signs_in_from_their_own_address_after_an_attacker_guessed_wrong_many_times()
    {
        using var owner = SignInClients.FromNewAddress(fixture);
        var email = await SignInClients.RegisterAsync(owner, Ct);
        using var attacker = SignInClients.FromNewAddress(fixture);

        for (var attempt = 1; attempt <= 8; attempt++)
        {
            var guess = await attacker.PostAsJsonAsync("/api/auth/login", new { email, password = $"guess number {attempt} of many" }, Ct);
            await SignInClients.AssertProblemAsync(guess, HttpStatusCode.Unauthorized, Ct);
        }

        // The attacker's address is done with this account, even with the right password...
        var rightFromAttacker = await attacker.PostAsJsonAsync("/api/auth/login", new { email, password = MediaClient.Password }, Ct);
        await SignInClients.AssertProblemAsync(rightFromAttacker, HttpStatusCode.Unauthorized, Ct);

        // ...the owner is not.
        await SignInClients.LoginAsync(owner, email, Ct);
    }

    [Fact]
    public async Task An_unknown_account_a_wrong_password_and_a_throttled_account_get_the_same_answer()
    {
        using var api = SignInClients.FromNewAddress(fixture);
        var email = await SignInClients.RegisterAsync(api, Ct);

        var unknown = await AnswerAsync(api, $"nobody-{Guid.NewGuid():N}@example.test", "a guess at the password");
        var wrong = await AnswerAsync(api, email, "a guess at the password");
        for (var attempt = 0; attempt < 10; attempt++)
        {
            await AnswerAsync(api, email, $"guess number {attempt} of many");
        }

        var throttled = await AnswerAsync(api, email, "yet another guess at it");

        Assert.Equal(unknown, wrong);
        Assert.Equal(unknown, throttled);
    }

    [Fact]
    public async Task An_eleven_character_password_is_refused_naming_the_length_rule()
    {
        using var api = SignInClients.FromNewAddress(fixture);

        var response = await api.PostAsJsonAsync("/api/auth/register", new { email = $"user-{Guid.NewGuid():N}@example.test", password = "Zq7#mW2!pLx" }, Ct);

        var problem = await SignInClients.AssertProblemAsync(response, HttpStatusCode.BadRequest, Ct);
        Assert.Contains(problem.Errors!.SelectMany(e => e.Value), m => m.Contains("at least 12 characters", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("password1234")]
    [InlineData("Password1234!")]
    [InlineData("qwertyuiop123")]
    [InlineData("aaaaaaaaaaaaaaaa")]
    [InlineData("qwertyuiopasdf")]
    [InlineData("1qaz2wsx3edc4rfv")]
    [InlineData("michaeljordan23")]
    public async Task A_common_or_guessable_password_of_twelve_characters_or_more_is_refused_naming_the_rule(string password)
    {
        using var api = SignInClients.FromNewAddress(fixture);

        var response = await api.PostAsJsonAsync("/api/auth/register", new { email = $"user-{Guid.NewGuid():N}@example.test", password }, Ct);

        var problem = await SignInClients.AssertProblemAsync(response, HttpStatusCode.BadRequest, Ct);
        Assert.Contains(problem.Errors!.SelectMany(e => e.Value), m => m.Contains("harder to guess", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_long_passphrase_without_digits_or_symbols_is_accepted()
    {
        using var api = SignInClients.FromNewAddress(fixture);

        var response = await api.PostAsJsonAsync("/api/auth/register", new { email = $"user-{Guid.NewGuid():N}@example.test", password = "purple walrus under a quiet bridge" }, Ct);

        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync(Ct));
    }

    /// <summary>Status and body, without the trace id every answer carries for its own request.</summary>
    private static async Task<string> AnswerAsync(HttpClient api, string email, string password)
    {
        var response = await api.PostAsJsonAsync("/api/auth/login", new { email, password }, Ct);
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync(Ct))!.AsObject();
        body.Remove("traceId");
        return $"{(int)response.StatusCode} {response.Content.Headers.ContentType?.MediaType} {body.ToJsonString()}";
    }
}
