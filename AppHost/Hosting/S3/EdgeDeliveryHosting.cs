using System.Globalization;
using Aspire.Hosting.ApplicationModel;

namespace Aspire.Hosting;

/// <summary>
/// Private delivery of a bucket's objects through the CDN, one concept in two forms. In AWS, objects whose keys match
/// the given patterns are served by CloudFront under <c>{edgePath}/{objectKey}</c> to holders of a CloudFront signed
/// URL, cached at the edge for one URL window, and no other object is reachable there. Locally nothing changes: the
/// service that signs (the Api) gets no CloudFront settings and presigns S3 GETs against the emulator
/// (contract: docs/aws.md, "Media through CloudFront").
/// </summary>
public static class EdgeDeliveryHosting
{
    public const string DefaultEdgePath = "/_edge";

    /// <summary>
    /// Delivers the objects matching <paramref name="objectPatterns"/> (S3 key globs, <c>*</c> = one path segment) through
    /// CloudFront with signed URLs valid for a window of <paramref name="urlWindow"/> (default one hour) at
    /// <paramref name="edgePath"/>, a path no route of the app may use.
    /// </summary>
    public static IResourceBuilder<S3BucketResource> WithSignedEdgeDelivery(this IResourceBuilder<S3BucketResource> bucket,
        string[] objectPatterns, string edgePath = DefaultEdgePath, TimeSpan? urlWindow = null)
    {
        if (objectPatterns.Length == 0 || objectPatterns.Any(p => string.IsNullOrWhiteSpace(p) || p.StartsWith('/') || p.Contains("**", StringComparison.Ordinal)))
        {
            throw new ArgumentException("Object patterns are S3 keys with '*' for one path segment, like 'media/*/*/thumb-*.webp'.", nameof(objectPatterns));
        }

        if (!edgePath.StartsWith('/') || edgePath.EndsWith('/') || edgePath.Contains('*', StringComparison.Ordinal))
        {
            throw new ArgumentException($"An edge path looks like '/_edge'; '{edgePath}' does not.", nameof(edgePath));
        }

        var window = urlWindow ?? TimeSpan.FromHours(1);
        if (window < TimeSpan.FromMinutes(1) || window > TimeSpan.FromDays(1))
        {
            throw new ArgumentOutOfRangeException(nameof(urlWindow), window, "A URL window is between a minute and a day.");
        }

        return bucket.WithAnnotation(new SignedEdgeDeliveryAnnotation(bucket.Resource, edgePath, window, objectPatterns), ResourceAnnotationMutationBehavior.Replace);
    }

    /// <summary>
    /// Lets <paramref name="service"/> sign edge URLs for <paramref name="bucket"/>'s delivered objects. In AWS it
    /// receives <c>{section}:CloudFront:BaseUrl</c>, <c>{section}:CloudFront:KeyPairId</c>,
    /// <c>{section}:CloudFront:PrivateKey</c> (a secret) and <c>{section}:UrlWindow</c>; locally none of them.
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithEdgeUrlSigning(this IResourceBuilder<ProjectResource> service,
        IResourceBuilder<S3BucketResource> bucket, string configurationSection)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(configurationSection);
        return service.WithEnvironment(context =>
        {
            if (!context.ExecutionContext.IsPublishMode || bucket.Resource.Annotations.OfType<SignedEdgeDeliveryAnnotation>().SingleOrDefault() is not { } delivery)
            {
                return;
            }

            context.EnvironmentVariables[$"{configurationSection}__CloudFront__BaseUrl"] = delivery.BaseUrl;
            context.EnvironmentVariables[$"{configurationSection}__CloudFront__KeyPairId"] = delivery.KeyPairId;
            context.EnvironmentVariables[$"{configurationSection}__CloudFront__PrivateKey"] = delivery.PrivateKey;
            context.EnvironmentVariables[$"{configurationSection}__UrlWindow"] = delivery.UrlWindow.ToString("c", CultureInfo.InvariantCulture);
        });
    }
}
