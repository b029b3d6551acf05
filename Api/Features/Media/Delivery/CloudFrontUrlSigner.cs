using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Platform.Api.Features.Media.Delivery;

/// <summary>
/// CloudFront signed URLs with a canned policy: <c>{BaseUrl}/{objectKey}?Expires=…&amp;Signature=…&amp;Key-Pair-Id=…</c>,
/// the signature being RSA-SHA1 (PKCS#1 v1.5) over the policy JSON in CloudFront's URL-safe base64.
/// <para>
/// Written here because AWSSDK.CloudFront (whose <c>AmazonCloudFrontUrlSigner</c> does the same) is not available to our
/// builds; the format is CloudFront's documented one, and a test verifies signatures with the public key. The key is
/// parsed once; RSA signatures are deterministic, so the same window gives the same URL.
/// </para>
/// </summary>
public sealed class CloudFrontUrlSigner : IDisposable
{
    private readonly RSA _key;
    private readonly string _baseUrl;
    private readonly string _keyPairId;

    public CloudFrontUrlSigner(string baseUrl, string keyPairId, string privateKeyPem)
    {
        _baseUrl = baseUrl.TrimEnd('/');
        _keyPairId = keyPairId;
        _key = RSA.Create();
        _key.ImportFromPem(privateKeyPem);
    }

    /// <summary>The unsigned address of <paramref name="objectKey"/> behind the distribution.</summary>
    public string ResourceUrl(string objectKey) =>
        $"{_baseUrl}/{string.Join('/', objectKey.Split('/').Select(Uri.EscapeDataString))}";

    /// <summary>The canned policy CloudFront checks the signature against: this URL, until <paramref name="expiresAt"/>.</summary>
    public static string CannedPolicy(string resourceUrl, long expiresAt) =>
        "{\"Statement\":[{\"Resource\":\"" + resourceUrl + "\",\"Condition\":{\"DateLessThan\":{\"AWS:EpochTime\":"
        + expiresAt.ToString(CultureInfo.InvariantCulture) + "}}}]}";

    public string Sign(string objectKey, DateTimeOffset expiresAt)
    {
        var url = ResourceUrl(objectKey);
        var expires = expiresAt.ToUnixTimeSeconds();
        var policy = Encoding.UTF8.GetBytes(CannedPolicy(url, expires));
        // RSA.SignData on one key from many threads is safe with OpenSSL and CNG; signatures are made only on cache misses.
        var signature = _key.SignData(policy, HashAlgorithmName.SHA1, RSASignaturePadding.Pkcs1);
        return $"{url}?Expires={expires.ToString(CultureInfo.InvariantCulture)}&Signature={UrlSafeBase64(signature)}&Key-Pair-Id={Uri.EscapeDataString(_keyPairId)}";
    }

    /// <summary>CloudFront's URL-safe base64: '+' → '-', '=' → '_', '/' → '~'.</summary>
    public static string UrlSafeBase64(byte[] bytes) =>
        Convert.ToBase64String(bytes).Replace('+', '-').Replace('=', '_').Replace('/', '~');

    public void Dispose() => _key.Dispose();
}
