using System.ComponentModel.DataAnnotations;
using System.Security.Cryptography;
using Platform.Media;

namespace Platform.Api.Features.Media.Delivery;

/// <summary>
/// How the Api hands out read URLs (section <c>MediaDelivery</c>; the contract with the AWS stack is
/// docs/aws.md, "Media through CloudFront"). Validated at start: a wrong or missing value names its key.
/// </summary>
public sealed class MediaDeliveryOptions : IValidatableObject
{
    /// <summary>Signed read URLs are made per window of this length (see <see cref="Platform.Media.UrlWindow"/>).</summary>
    [Range(typeof(TimeSpan), "00:01:00", "1.00:00:00", ErrorMessage = "MediaDelivery:UrlWindow must be between 1 minute and 1 day.")]
    public TimeSpan UrlWindow { get; set; } = Platform.Media.UrlWindow.DefaultLength;

    /// <summary>Thumbnails and previews through CloudFront when <see cref="CloudFrontOptions.BaseUrl"/> is set.</summary>
    public CloudFrontOptions CloudFront { get; set; } = new();

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (string.IsNullOrWhiteSpace(CloudFront.BaseUrl))
        {
            yield break;
        }

        if (!Uri.TryCreate(CloudFront.BaseUrl, UriKind.Absolute, out var baseUrl) || baseUrl.Scheme != Uri.UriSchemeHttps
            || CloudFront.BaseUrl.EndsWith('/') || !string.IsNullOrEmpty(baseUrl.Query) || !string.IsNullOrEmpty(baseUrl.Fragment))
        {
            yield return new ValidationResult(
                $"MediaDelivery:CloudFront:BaseUrl must be an absolute https:// URL without a trailing slash, query or fragment (got '{CloudFront.BaseUrl}').",
                ["CloudFront.BaseUrl"]);
        }

        if (string.IsNullOrWhiteSpace(CloudFront.KeyPairId))
        {
            yield return new ValidationResult(
                "MediaDelivery:CloudFront:KeyPairId is required when MediaDelivery:CloudFront:BaseUrl is set: the id of the CloudFront public key.",
                ["CloudFront.KeyPairId"]);
        }

        if (string.IsNullOrWhiteSpace(CloudFront.PrivateKey))
        {
            yield return new ValidationResult(
                "MediaDelivery:CloudFront:PrivateKey is required when MediaDelivery:CloudFront:BaseUrl is set: the PEM RSA private key of that public key.",
                ["CloudFront.PrivateKey"]);
        }
        else if (!IsRsaPrivateKey(CloudFront.PrivateKey))
        {
            // Never echo the value: it is a secret.
            yield return new ValidationResult(
                "MediaDelivery:CloudFront:PrivateKey is not a PEM RSA private key (PKCS#1 'BEGIN RSA PRIVATE KEY' or PKCS#8 'BEGIN PRIVATE KEY').",
                ["CloudFront.PrivateKey"]);
        }
    }

    private static bool IsRsaPrivateKey(string pem)
    {
        try
        {
            using var rsa = RSA.Create();
            rsa.ImportFromPem(pem);
            rsa.ExportParameters(includePrivateParameters: true);
            return true;
        }
        catch (Exception ex) when (ex is ArgumentException or CryptographicException)
        {
            return false;
        }
    }
}

/// <summary>CloudFront signed URLs with a canned policy (section <c>MediaDelivery:CloudFront</c>).</summary>
public sealed class CloudFrontOptions
{
    /// <summary><c>https://…</c>, may include a path prefix, no trailing slash. Empty: thumbnails are S3 presigned GETs.</summary>
    public string? BaseUrl { get; set; }

    /// <summary>The CloudFront public key's id (<c>AWS::CloudFront::PublicKey</c> Id).</summary>
    public string? KeyPairId { get; set; }

    /// <summary>PEM (PKCS#1 or PKCS#8) RSA private key matching that public key: a secret, from Secrets Manager in AWS.</summary>
    public string? PrivateKey { get; set; }

    public bool Enabled => !string.IsNullOrWhiteSpace(BaseUrl);
}
