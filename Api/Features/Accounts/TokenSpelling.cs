using System.Buffers;

namespace Platform.Api.Features.Accounts;

/// <summary>
/// The one spelling of a token the Api issues: base64url, only A–Z, a–z, 0–9, '-' and '_', no padding, no whitespace.
/// Data Protection decodes leniently (padding, whitespace anywhere), so "T", "T " and "T=" all read as the same token:
/// whatever records or remembers tokens by their text does so for this spelling only.
/// </summary>
public static class TokenSpelling
{
    private static readonly SearchValues<char> Base64UrlAlphabet =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_");

    public static bool IsCanonical(string token) => token.AsSpan().IndexOfAnyExcept(Base64UrlAlphabet) < 0;
}
