using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Caching.Memory;

namespace Platform.Api.Features.Accounts;

/// <summary>
/// The tickets of the access tokens this instance has read, kept in its memory until each token expires, so a client's
/// token is decrypted once, not with every request. Reading a bearer token is Data Protection's work: a key derivation
/// (SP 800-108 with HMAC-SHA512), an HMAC check and an AES decryption. On the gallery's list that was about a third of a
/// signed-in request's own CPU, and a client sends the same token with every request of its five-minute life.
/// <para>
/// What a request is checked for stays as it was. Identity's bearer handler still refuses what has expired (it checks
/// the expiry of the ticket returned here against its own clock), and <see cref="SignedInSessionHandler"/> still
/// compares the security stamp on every request, so a token stops working at sign-out as before. One thing moves: a
/// Data Protection key revoked by hand stops the tokens this instance has already read when they expire (five minutes
/// at most) or when the instance restarts.
/// </para>
/// <para>
/// What is kept: only tokens that decrypt, only in the spelling the Api issues (<see cref="TokenSpelling"/>: the
/// decoder also accepts whitespace and padding, and each such spelling of one token would be an entry of its own), and
/// only up to <see cref="MaxTokenLength"/>; anything else is decrypted on every request, as without this cache. The
/// memory is bounded in bytes (<see cref="MemoryLimitBytes"/>, an estimate): a token that finds it full is decrypted on
/// every request until the cache has made room (expired entries first, then the least recently used). Each
/// caller gets its own copy of the ticket, since handlers may change what they are given.
/// </para>
/// <para>
/// Why a cache of our own: Identity and Data Protection have none for this, and the bearer options'
/// <see cref="Microsoft.AspNetCore.Authentication.BearerToken.BearerTokenOptions.BearerTokenProtector"/> is their
/// extension point for it. It wraps the protector Identity configured; tokens are issued by it unchanged.
/// </para>
/// </summary>
public sealed class ReadAccessTokens(TimeProvider clock) : IDisposable
{
    /// <summary>
    /// The memory the kept tickets may take, counted as two bytes per character of their tokens plus
    /// <see cref="TicketBytes"/> each: with tokens of about 500 characters, some ten thousand clients signed in to this
    /// instance in five minutes.
    /// </summary>
    public const long MemoryLimitBytes = 32L * 1024 * 1024;

    /// <summary>Longer than any access token the Api issues (a few hundred characters); longer ones are not kept.</summary>
    public const int MaxTokenLength = 4096;

    /// <summary>What a kept ticket takes beside its token: the principal's claims and the properties.</summary>
    private const int TicketBytes = 2048;

    private readonly List<MemoryCache> _caches = [];

    /// <summary>
    /// The protector Identity configured, with a cache of its own in front of its <c>Unprotect</c>: a ticket one
    /// protector read is never answered by another.
    /// </summary>
    public ISecureDataFormat<AuthenticationTicket> Around(ISecureDataFormat<AuthenticationTicket> protector)
    {
        var tickets = new MemoryCache(new MemoryCacheOptions { SizeLimit = MemoryLimitBytes });
        lock (_caches)
        {
            _caches.Add(tickets);
        }

        return new Remembering(protector, tickets, clock);
    }

    public void Dispose()
    {
        lock (_caches)
        {
            _caches.ForEach(cache => cache.Dispose());
        }
    }

    private sealed class Remembering(ISecureDataFormat<AuthenticationTicket> inner, MemoryCache tickets, TimeProvider clock)
        : ISecureDataFormat<AuthenticationTicket>
    {
        public string Protect(AuthenticationTicket data) => inner.Protect(data);

        public string Protect(AuthenticationTicket data, string? purpose) => inner.Protect(data, purpose);

        public AuthenticationTicket? Unprotect(string? protectedText) => Unprotect(protectedText, purpose: null);

        public AuthenticationTicket? Unprotect(string? protectedText, string? purpose)
        {
            if (protectedText is null || purpose is not null || protectedText.Length > MaxTokenLength || !TokenSpelling.IsCanonical(protectedText))
            {
                return inner.Unprotect(protectedText, purpose);
            }

            if (tickets.TryGetValue(protectedText, out AuthenticationTicket? known) && known is not null)
            {
                return known.Clone();
            }

            var ticket = inner.Unprotect(protectedText);
            // Without an expiry the handler refuses the token anyway; an expired one would leave the cache at once.
            if (ticket?.Properties.ExpiresUtc is { } expires && expires > clock.GetUtcNow())
            {
                tickets.Set(protectedText, ticket.Clone(), new MemoryCacheEntryOptions
                {
                    AbsoluteExpiration = expires,
                    Size = protectedText.Length * sizeof(char) + TicketBytes,
                });
            }

            return ticket;
        }
    }
}
