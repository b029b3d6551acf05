using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Caching.Memory;

namespace Platform.Api.Features.Accounts;

/// <summary>
/// The tickets of the access tokens this instance has read, kept in its memory until each token expires, so a client's
/// token is decrypted once, not with every request. Reading a bearer token is Data Protection's work: a key derivation
/// (SP 800-108 with HMAC-SHA512), an HMAC check and an AES decryption. On the gallery's list that was about a third of a
/// signed-in request's own CPU, and a client sends the same token with every request of its five-minute life.
/// <para>
/// Nothing a request is checked for changes. Identity's bearer handler still refuses what has expired (it checks the
/// expiry of the ticket returned here), and <see cref="SignedInSessionHandler"/> still compares the security stamp on
/// every request, so a token stops working at sign-out as before. Only tokens that decrypt are kept: a forged or
/// damaged one is decrypted, and refused, every time. Each caller gets its own copy of the ticket, since handlers may
/// change what they are given.
/// </para>
/// <para>
/// Why a cache of our own: Identity and Data Protection have none for this, and their own extension point, the
/// bearer options' <see cref="Microsoft.AspNetCore.Authentication.BearerToken.BearerTokenOptions.BearerTokenProtector"/>,
/// is where one goes. It wraps the protector Identity configured; tokens are issued by it unchanged.
/// </para>
/// </summary>
public sealed class ReadAccessTokens : IDisposable
{
    /// <summary>
    /// The most tokens kept at once: one per client signed in to this instance in the last five minutes. A ticket is
    /// about 2 KB with its token, so at most some 20 MB; beyond it, tokens are decrypted on every request as before.
    /// </summary>
    public const int MaxTokens = 10_000;

    private readonly MemoryCache tickets = new(new MemoryCacheOptions { SizeLimit = MaxTokens });

    /// <summary>The protector Identity configured, with this cache in front of its <c>Unprotect</c>.</summary>
    public ISecureDataFormat<AuthenticationTicket> Around(ISecureDataFormat<AuthenticationTicket> protector) => new Remembering(protector, tickets);

    public void Dispose() => tickets.Dispose();

    private sealed class Remembering(ISecureDataFormat<AuthenticationTicket> inner, MemoryCache tickets) : ISecureDataFormat<AuthenticationTicket>
    {
        public string Protect(AuthenticationTicket data) => inner.Protect(data);

        public string Protect(AuthenticationTicket data, string? purpose) => inner.Protect(data, purpose);

        public AuthenticationTicket? Unprotect(string? protectedText) => Unprotect(protectedText, purpose: null);

        public AuthenticationTicket? Unprotect(string? protectedText, string? purpose)
        {
            if (protectedText is null || purpose is not null)
            {
                return inner.Unprotect(protectedText, purpose);
            }

            if (tickets.TryGetValue(protectedText, out AuthenticationTicket? known) && known is not null)
            {
                return known.Clone();
            }

            var ticket = inner.Unprotect(protectedText);
            // Without an expiry the handler refuses the token anyway; an expired one would leave the cache at once.
            if (ticket?.Properties.ExpiresUtc is { } expires && expires > DateTimeOffset.UtcNow)
            {
                tickets.Set(protectedText, ticket.Clone(), new MemoryCacheEntryOptions { AbsoluteExpiration = expires, Size = 1 });
            }

            return ticket;
        }
    }
}
