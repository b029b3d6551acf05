using System.Security.Cryptography;
using System.Text;
using Platform.Api.Features.Media.Delivery;
using Platform.Media;

namespace Platform.Api.Tests;

/// <summary>CloudFront canned-policy signed URLs: the documented format, a signature the public key verifies.</summary>
public sealed class CloudFrontUrlSignerTests
{
    private const string BaseUrl = "https://d111111abcdef8.cloudfront.net/content";
    private const string ObjectKey = "media/0a1b2c3d4e5f60718293a4b5c6d7e8f9/11111111222233334444555566667777/thumb-320.webp";

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void The_signature_is_RSA_SHA1_over_the_canned_policy_and_verifies_with_the_public_key(bool pkcs8)
    {
        using var rsa = RSA.Create(2048);
        using var signer = new CloudFrontUrlSigner(BaseUrl, "K2JCJMDEHXQW5F", pkcs8 ? rsa.ExportPkcs8PrivateKeyPem() : rsa.ExportRSAPrivateKeyPem());
        var expiresAt = new DateTimeOffset(2026, 11, 30, 12, 0, 0, TimeSpan.Zero);

        var url = new Uri(signer.Sign(ObjectKey, expiresAt));

        Assert.Equal($"{BaseUrl}/{ObjectKey}", url.GetLeftPart(UriPartial.Path));
        var query = url.Query.TrimStart('?').Split('&').Select(p => p.Split('=', 2)).ToList();
        Assert.Equal(["Expires", "Signature", "Key-Pair-Id"], query.Select(p => p[0]));
        Assert.Equal(expiresAt.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture), query[0][1]);
        Assert.Equal("K2JCJMDEHXQW5F", query[2][1]);

        // CloudFront's alphabet has no characters a URL would need to escape.
        var signature = query[1][1];
        Assert.DoesNotContain(signature, c => c is '+' or '/' or '=');
        var bytes = Convert.FromBase64String(signature.Replace('-', '+').Replace('_', '=').Replace('~', '/'));
        var policy = $"{{\"Statement\":[{{\"Resource\":\"{BaseUrl}/{ObjectKey}\",\"Condition\":{{\"DateLessThan\":{{\"AWS:EpochTime\":{expiresAt.ToUnixTimeSeconds()}}}}}}}]}}";
        Assert.Equal(policy, CloudFrontUrlSigner.CannedPolicy($"{BaseUrl}/{ObjectKey}", expiresAt.ToUnixTimeSeconds()));

        using var publicKey = RSA.Create();
        publicKey.ImportFromPem(rsa.ExportSubjectPublicKeyInfoPem());
        Assert.True(publicKey.VerifyData(Encoding.UTF8.GetBytes(policy), bytes, HashAlgorithmName.SHA1, RSASignaturePadding.Pkcs1));
        Assert.False(publicKey.VerifyData(Encoding.UTF8.GetBytes(policy.Replace("thumb-320", "original", StringComparison.Ordinal)), bytes,
            HashAlgorithmName.SHA1, RSASignaturePadding.Pkcs1));
    }

    [Fact]
    public void One_window_gives_one_url_valid_until_one_window_after_it_ends()
    {
        using var rsa = RSA.Create(2048);
        using var signer = new CloudFrontUrlSigner(BaseUrl, "K2JCJMDEHXQW5F", rsa.ExportRSAPrivateKeyPem());
        var early = UrlWindow.At(new DateTimeOffset(2026, 11, 30, 12, 0, 1, TimeSpan.Zero), TimeSpan.FromHours(1));
        var late = UrlWindow.At(new DateTimeOffset(2026, 11, 30, 12, 59, 59, TimeSpan.Zero), TimeSpan.FromHours(1));

        Assert.Equal(signer.Sign(ObjectKey, early.ExpiresAt), signer.Sign(ObjectKey, late.ExpiresAt));
        Assert.Equal(new DateTimeOffset(2026, 11, 30, 14, 0, 0, TimeSpan.Zero), early.ExpiresAt);
    }
}
