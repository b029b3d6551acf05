using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Platform.Api.Features.Media.Delivery;

/// <summary>
/// S3 presigned GET URLs (Signature Version 4, query-string authentication), computed locally.
/// <para>
/// Why this exists beside the AWS SDK's <c>GetPreSignedURL</c>: the SDK runs its whole request pipeline for every URL
/// (endpoint rules, marshalling, a fresh signing key of four HMACs), which made a gallery page of 20 items cost 60 of
/// those. Here the endpoint is resolved once, by the SDK itself (see <see cref="S3Endpoint"/>), the signing key is derived
/// once per day and credentials, and a URL is one SHA-256 and one HMAC. The algorithm is AWS's published SigV4 for
/// query parameters; the tests check it against AWS's documented example and against the SDK's own presigned URLs.
/// </para>
/// </summary>
public sealed class S3UrlSigner(S3Endpoint endpoint)
{
    private const string Algorithm = "AWS4-HMAC-SHA256";
    private const string Service = "s3";

    private SigningKey? _key;

    public S3Endpoint Endpoint { get; } = endpoint;

    /// <summary>
    /// A GET URL for <paramref name="key"/> signed at <paramref name="signedAt"/> (whole seconds, UTC) and valid for
    /// <paramref name="expiresIn"/>; <paramref name="overrides"/> are S3's <c>response-*</c> parameters (e.g. the
    /// Content-Disposition of a download). Deterministic: the same inputs give the same URL, byte for byte.
    /// </summary>
    public string PresignGet(
        SigningCredentials credentials, string key, DateTimeOffset signedAt, TimeSpan expiresIn,
        IReadOnlyList<KeyValuePair<string, string>>? overrides = null)
    {
        var utc = signedAt.ToUniversalTime();
        var date = utc.ToString("yyyyMMdd", CultureInfo.InvariantCulture);
        var amzDate = utc.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
        var scope = $"{date}/{Endpoint.Region}/{Service}/aws4_request";

        var parameters = new List<KeyValuePair<string, string>>(8)
        {
            new("X-Amz-Algorithm", Algorithm),
            new("X-Amz-Credential", $"{credentials.AccessKeyId}/{scope}"),
            new("X-Amz-Date", amzDate),
            new("X-Amz-Expires", ((long)expiresIn.TotalSeconds).ToString(CultureInfo.InvariantCulture)),
            new("X-Amz-SignedHeaders", "host"),
        };
        if (credentials.SessionToken is { Length: > 0 } token)
        {
            parameters.Add(new("X-Amz-Security-Token", token));
        }

        if (overrides is not null)
        {
            parameters.AddRange(overrides);
        }

        parameters.Sort(static (a, b) => string.CompareOrdinal(a.Key, b.Key));
        var query = new StringBuilder(512);
        foreach (var (name, value) in parameters)
        {
            if (query.Length > 0)
            {
                query.Append('&');
            }

            query.Append(Uri.EscapeDataString(name)).Append('=').Append(Uri.EscapeDataString(value));
        }

        var path = Endpoint.PathPrefix + EncodeKey(key);
        var canonicalRequest = $"GET\n{path}\n{query}\nhost:{Endpoint.Host}\n\nhost\nUNSIGNED-PAYLOAD";
        var stringToSign = $"{Algorithm}\n{amzDate}\n{scope}\n{Hex(SHA256.HashData(Encoding.UTF8.GetBytes(canonicalRequest)))}";
        var signature = Hex(HMACSHA256.HashData(KeyFor(credentials.SecretAccessKey, date), Encoding.UTF8.GetBytes(stringToSign)));
        return $"{Endpoint.Origin}{path}?{query}&X-Amz-Signature={signature}";
    }

    /// <summary>
    /// The SigV4 signing key: four HMACs over the secret, the day, the region and the service. It changes once a day (and
    /// when credentials rotate), so it is derived then and kept.
    /// </summary>
    private byte[] KeyFor(string secretAccessKey, string date)
    {
        var current = _key;
        if (current is not null && current.Date == date && current.Secret == secretAccessKey)
        {
            return current.Key;
        }

        var kDate = HMACSHA256.HashData(Encoding.UTF8.GetBytes("AWS4" + secretAccessKey), Encoding.UTF8.GetBytes(date));
        var kRegion = HMACSHA256.HashData(kDate, Encoding.UTF8.GetBytes(Endpoint.Region));
        var kService = HMACSHA256.HashData(kRegion, Encoding.UTF8.GetBytes(Service));
        var kSigning = HMACSHA256.HashData(kService, "aws4_request"u8);
        _key = new SigningKey(secretAccessKey, date, kSigning);
        return kSigning;
    }

    /// <summary>S3 keys are encoded segment by segment (RFC 3986 unreserved characters stay), slashes kept, never twice.</summary>
    private static string EncodeKey(string key) => string.Join('/', key.Split('/').Select(Uri.EscapeDataString));

    private static string Hex(byte[] bytes) => Convert.ToHexStringLower(bytes);

    private sealed record SigningKey(string Secret, string Date, byte[] Key);
}

/// <summary>Credentials to sign with; a session token comes with temporary ones (an ECS task role).</summary>
public sealed record SigningCredentials(string AccessKeyId, string SecretAccessKey, string? SessionToken);

/// <summary>
/// Where a bucket's objects are addressed: <see cref="Origin"/> (<c>https://bucket.s3.amazonaws.com</c>, or the emulator's
/// <c>http://127.0.0.1:port</c>), the path before the key (<c>/</c>, or <c>/bucket/</c> in path style) and the region of
/// the signature's scope.
/// </summary>
public sealed record S3Endpoint(string Origin, string PathPrefix, string Region)
{
    /// <summary>The Host header the signature covers: the authority, with the port when it is not the scheme's default.</summary>
    public string Host { get; } = new Uri(Origin).Authority;

    /// <summary>
    /// Reads the endpoint from a URL the SDK presigned for <paramref name="probeKey"/>: the SDK's endpoint rules (region,
    /// path or virtual-hosted style, an emulator's ServiceURL) decide it once, and every URL after that is signed here.
    /// </summary>
    public static S3Endpoint FromPresignedUrl(string presignedUrl, string probeKey)
    {
        var uri = new Uri(presignedUrl);
        var path = uri.AbsolutePath;
        if (!path.EndsWith("/" + probeKey, StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"The SDK's presigned URL '{uri.GetLeftPart(UriPartial.Path)}' does not end with the key '{probeKey}'.");
        }

        var credential = QueryValue(uri, "X-Amz-Credential")
            ?? throw new InvalidOperationException("The SDK's presigned URL has no X-Amz-Credential: it is not signed with SigV4.");
        var scope = credential.Split('/'); // AKID/date/region/s3/aws4_request
        if (scope.Length != 5)
        {
            throw new InvalidOperationException($"Unexpected credential scope in the SDK's presigned URL: '{string.Join('/', scope.Skip(1))}'.");
        }

        return new S3Endpoint(uri.GetLeftPart(UriPartial.Authority), path[..^probeKey.Length], scope[2]);
    }

    private static string? QueryValue(Uri uri, string name)
    {
        foreach (var pair in uri.Query.TrimStart('?').Split('&'))
        {
            var separator = pair.IndexOf('=');
            if (separator > 0 && Uri.UnescapeDataString(pair[..separator]) == name)
            {
                return Uri.UnescapeDataString(pair[(separator + 1)..]);
            }
        }

        return null;
    }
}
