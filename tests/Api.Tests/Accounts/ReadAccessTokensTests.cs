using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Time.Testing;
using Platform.Api.Features.Accounts;

namespace Platform.Api.Tests.Accounts;

/// <summary>
/// A client's access token is decrypted once per Api instance, not with every request; what a request is checked
/// for (expiry, and the security stamp after this) is unchanged, and a token that does not decrypt is never kept.
/// </summary>
public sealed class ReadAccessTokensTests
{
    [Fact]
    public void A_token_is_decrypted_once_and_each_reader_gets_its_own_copy_of_the_ticket()
    {
        using var read = new ReadAccessTokens(TimeProvider.System);
        var protector = new CountingProtector();
        var tokens = read.Around(protector);
        var token = tokens.Protect(Ticket("alice", expires: DateTimeOffset.UtcNow.AddMinutes(5)));

        var first = tokens.Unprotect(token);
        var second = tokens.Unprotect(token);

        Assert.Equal(1, protector.Decryptions);
        Assert.Equal("alice", first?.Principal.Identity?.Name);
        Assert.Equal("alice", second?.Principal.Identity?.Name);
        Assert.NotSame(first, second);
        Assert.NotSame(first!.Principal, second!.Principal);
        Assert.Equal(first.Properties.ExpiresUtc, second.Properties.ExpiresUtc);
    }

    [Fact]
    public void What_one_reader_changes_in_its_ticket_no_later_reader_sees()
    {
        using var read = new ReadAccessTokens(TimeProvider.System);
        var tokens = read.Around(new CountingProtector());
        var token = tokens.Protect(Ticket("alice", expires: DateTimeOffset.UtcNow.AddMinutes(5)));

        var first = tokens.Unprotect(token)!;
        ((ClaimsIdentity)first.Principal.Identity!).AddClaim(new Claim(ClaimTypes.Role, "admin"));
        first.Properties.Items["changed"] = "by the first reader";
        var second = tokens.Unprotect(token)!;
        ((ClaimsIdentity)second.Principal.Identity!).AddClaim(new Claim(ClaimTypes.Role, "editor"));
        var third = tokens.Unprotect(token)!;

        Assert.False(third.Principal.HasClaim(c => c.Type == ClaimTypes.Role));
        Assert.False(third.Properties.Items.ContainsKey("changed"));
    }

    /// <summary>Data Protection reads these spellings as the token itself; none of them is kept.</summary>
    [Theory]
    [InlineData("whitespace inside")]
    [InlineData("whitespace inside, longer than any token the Api issues")]
    public void A_token_in_another_spelling_is_decrypted_every_time_and_never_kept(string spelling)
    {
        using var read = new ReadAccessTokens(TimeProvider.System);
        var protector = new CountingProtector();
        var tokens = read.Around(protector);
        var issued = tokens.Protect(Ticket("alice", expires: DateTimeOffset.UtcNow.AddMinutes(5)));
        var spaces = spelling == "whitespace inside" ? " " : new string(' ', ReadAccessTokens.MaxTokenLength);
        var token = issued.Insert(issued.Length / 2, spaces);

        Assert.Equal("alice", tokens.Unprotect(token)?.Principal.Identity?.Name);
        Assert.Equal("alice", tokens.Unprotect(token)?.Principal.Identity?.Name);
        Assert.Equal(2, protector.Decryptions);
    }

    [Theory]
    [InlineData(300, 1)]
    [InlineData(-60, 2)]
    public void A_token_is_kept_only_until_it_expires_and_its_ticket_carries_the_expiry_the_bearer_handler_checks(int expiresInSeconds, int decryptions)
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using var read = new ReadAccessTokens(clock);
        var protector = new CountingProtector();
        var tokens = read.Around(protector);
        // Whole seconds: a ticket keeps its expiry to the second.
        var expires = DateTimeOffset.FromUnixTimeSeconds(clock.GetUtcNow().ToUnixTimeSeconds() + expiresInSeconds);
        var token = tokens.Protect(Ticket("alice", expires));

        Assert.Equal(expires, tokens.Unprotect(token)?.Properties.ExpiresUtc);
        Assert.Equal(expires, tokens.Unprotect(token)?.Properties.ExpiresUtc);
        Assert.Equal(decryptions, protector.Decryptions);
    }

    [Fact]
    public void Each_token_reads_as_its_own_ticket()
    {
        using var read = new ReadAccessTokens(TimeProvider.System);
        var tokens = read.Around(new CountingProtector());
        var alice = tokens.Protect(Ticket("alice", expires: DateTimeOffset.UtcNow.AddMinutes(5)));
        var bob = tokens.Protect(Ticket("bob", expires: DateTimeOffset.UtcNow.AddMinutes(5)));

        Assert.Equal("alice", tokens.Unprotect(alice)?.Principal.Identity?.Name);
        Assert.Equal("bob", tokens.Unprotect(bob)?.Principal.Identity?.Name);
        Assert.Equal("alice", tokens.Unprotect(alice)?.Principal.Identity?.Name);
    }

    [Fact]
    public void A_forged_token_is_refused_every_time_and_never_kept()
    {
        using var read = new ReadAccessTokens(TimeProvider.System);
        var protector = new CountingProtector();
        var tokens = read.Around(protector);
        var forged = tokens.Protect(Ticket("alice", expires: DateTimeOffset.UtcNow.AddMinutes(5)))[..^4] + "AAAA";

        Assert.Null(tokens.Unprotect(forged));
        Assert.Null(tokens.Unprotect(forged));
        Assert.Equal(2, protector.Decryptions);
    }

    [Fact]
    public void A_read_with_a_purpose_is_left_to_the_protector()
    {
        using var read = new ReadAccessTokens(TimeProvider.System);
        var protector = new CountingProtector();
        var tokens = read.Around(protector);
        var token = tokens.Protect(Ticket("alice", expires: DateTimeOffset.UtcNow.AddMinutes(5)), "other-purpose");

        Assert.Equal("alice", tokens.Unprotect(token, "other-purpose")?.Principal.Identity?.Name);
        Assert.Equal("alice", tokens.Unprotect(token, "other-purpose")?.Principal.Identity?.Name);
        Assert.Equal(2, protector.Decryptions);
    }

    private static AuthenticationTicket Ticket(string name, DateTimeOffset expires) =>
        new(new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.Name, name)], "Identity.Bearer")),
            new AuthenticationProperties { ExpiresUtc = expires }, "Identity.Bearer");

    /// <summary>Identity's own format (Data Protection's authenticated encryption), counting the tokens it decrypts.</summary>
    private sealed class CountingProtector : ISecureDataFormat<AuthenticationTicket>
    {
        private readonly TicketDataFormat _format = new(new EphemeralDataProtectionProvider().CreateProtector("access tokens"));

        public int Decryptions { get; private set; }

        public string Protect(AuthenticationTicket data) => _format.Protect(data);

        public string Protect(AuthenticationTicket data, string? purpose) => _format.Protect(data, purpose);

        public AuthenticationTicket? Unprotect(string? protectedText) => Unprotect(protectedText, null);

        public AuthenticationTicket? Unprotect(string? protectedText, string? purpose)
        {
            Decryptions++;
            return _format.Unprotect(protectedText, purpose);
        }
    }
}
