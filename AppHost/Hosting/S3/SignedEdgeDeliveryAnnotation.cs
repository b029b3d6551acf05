using Aspire.Hosting.ApplicationModel;

namespace Aspire.Hosting;

/// <summary>A bucket's signed delivery through CloudFront: where, for how long, which objects; and its AWS outputs.</summary>
public sealed class SignedEdgeDeliveryAnnotation(S3BucketResource bucket, string edgePath, TimeSpan urlWindow, IReadOnlyList<string> objectPatterns)
    : IResourceAnnotation
{
    public string EdgePath { get; } = edgePath;

    public TimeSpan UrlWindow { get; } = urlWindow;

    public IReadOnlyList<string> ObjectPatterns { get; } = objectPatterns;

    /// <summary><c>https://{site}{edgePath}</c>: a signed URL is <c>{BaseUrl}/{objectKey}</c>.</summary>
    public AwsResourceOutput BaseUrl { get; } = new(bucket, "EdgeBaseUrl");

    /// <summary>The id of the CloudFront public key the URLs are signed for.</summary>
    public AwsResourceOutput KeyPairId { get; } = new(bucket, "EdgeKeyPairId");

    /// <summary>The PEM private key (a secret).</summary>
    public AwsResourceOutput PrivateKey { get; } = new(bucket, "EdgeSigningKey");
}
