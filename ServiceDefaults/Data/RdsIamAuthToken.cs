using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Amazon.Runtime;

namespace Platform.Data;

/// <summary>
/// An RDS IAM database authentication token: the password a role granted <c>rds_iam</c> signs in with, valid 15 minutes.
/// It is a SigV4-presigned <c>connect</c> request for the instance's <c>host:port</c> and the database user, signed
/// with the task role's credentials for the service <c>rds-db</c> (Amazon RDS User Guide, "Connecting to your DB
/// instance using IAM authentication"). Made here because AWSSDK.RDS, whose RDSAuthTokenGenerator does the same, is not
/// available to this build; SigV4 itself is short and documented, and the signing key's derivation is checked against
/// AWS's published example.
/// </summary>
public static class RdsIamAuthToken
{
    private const string Service = "rds-db";

    public static string Create(string host, int port, string user, string region, ImmutableCredentials credentials, DateTime utcNow)
    {
        var date = utcNow.ToString("yyyyMMdd", CultureInfo.InvariantCulture);
        var timestamp = utcNow.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
        var scope = $"{date}/{region}/{Service}/aws4_request";
        var query = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["Action"] = "connect",
            ["DBUser"] = user,
            ["X-Amz-Algorithm"] = "AWS4-HMAC-SHA256",
            ["X-Amz-Credential"] = $"{credentials.AccessKey}/{scope}",
            ["X-Amz-Date"] = timestamp,
            ["X-Amz-Expires"] = "900",
            ["X-Amz-SignedHeaders"] = "host",
        };
        if (credentials.UseToken)
        {
            query["X-Amz-Security-Token"] = credentials.Token;
        }

        var canonicalQuery = string.Join('&', query.Select(p => $"{Uri.EscapeDataString(p.Key)}={Uri.EscapeDataString(p.Value)}"));
        var address = string.Create(CultureInfo.InvariantCulture, $"{host}:{port}");
        var canonicalRequest = $"GET\n/\n{canonicalQuery}\nhost:{address}\n\nhost\n{Hex(SHA256.HashData([]))}";
        var stringToSign = $"AWS4-HMAC-SHA256\n{timestamp}\n{scope}\n{Hex(SHA256.HashData(Encoding.UTF8.GetBytes(canonicalRequest)))}";
        var signature = Hex(HMACSHA256.HashData(SigningKey(credentials.SecretKey, date, region, Service), Encoding.UTF8.GetBytes(stringToSign)));
        return $"{address}/?{canonicalQuery}&X-Amz-Signature={signature}";
    }

    /// <summary>SigV4's signing key: HMACs of the date, the region, the service and "aws4_request", keyed by the secret.</summary>
    public static byte[] SigningKey(string secretKey, string date, string region, string service)
    {
        var key = Encoding.UTF8.GetBytes("AWS4" + secretKey);
        foreach (var part in new[] { date, region, service, "aws4_request" })
        {
            key = HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(part));
        }

        return key;
    }

    private static string Hex(byte[] bytes) => Convert.ToHexString(bytes).ToLowerInvariant();
}
