using Amazon.S3;
using Amazon.S3.Model;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Platform.AppHost.Aws.Translators;
using Platform.AppHost.Hosting;

namespace Aspire.Hosting;

/// <summary>
/// <c>storage</c>: an S3 bucket. Locally it lives in the AWS emulator and is created at start-up (idempotently); in AWS
/// it is the bucket of the CDK stack. Services receive <c>{name}:BucketName</c> and the AWS client settings.
/// </summary>
public static class S3BucketHosting
{
    public static IResourceBuilder<S3BucketResource> AddS3Bucket(this IDistributedApplicationBuilder builder, [ResourceName] string name, string bucketName) =>
        builder.AddAwsService(emulator => new S3BucketResource(name, bucketName, emulator), new AwsServiceForms<S3BucketResource>(
            ResourceType: "S3Bucket",
            IconName: "Folder",
            Property: new("BucketName", bucketName),
            UsedOutputs: r => [r.BucketNameOutput],
            PublishAs: r => r.PublishAsS3Bucket(),
            CreateInEmulator: async (bucket, emulator, ct) =>
            {
                await CreateBucketIfMissingAsync(await AwsEmulatorClients.S3Async(emulator, ct), bucket, ct);
                bucket.BucketNameOutput.Set(bucket.BucketName);
            },
            CheckInEmulator: async (bucket, emulator, ct) =>
            {
                await (await AwsEmulatorClients.S3Async(emulator, ct)).HeadBucketAsync(new() { BucketName = bucket.BucketName }, ct);
                return HealthCheckResult.Healthy();
            }));

    /// <summary>
    /// Lets browsers on <paramref name="origin"/>'s endpoint upload to and download from the bucket through presigned
    /// URLs (S3 bucket CORS), as the CloudFront/S3 CORS rules do in AWS.
    /// </summary>
    public static IResourceBuilder<S3BucketResource> WithCorsOrigin(this IResourceBuilder<S3BucketResource> bucket, EndpointReference origin)
    {
        bucket.Resource.CorsOrigins.Add(origin);
        return bucket;
    }

    /// <summary>
    /// Tells a web front end where its pages reach the bucket (presigned PUTs and GETs) so that its Content-Security-Policy
    /// admits that origin and no other: <c>ContentSecurityPolicy__StorageOrigins__0</c>. Locally the emulator's endpoint;
    /// in AWS the bucket's virtual-hosted name at the regional endpoint the SDK signs URLs for,
    /// <c>https://{bucket}.s3.{region}.amazonaws.com</c>. The bucket is only named (<see cref="AwsResourceOutput.NameOnly"/>):
    /// the front end gets no access to it.
    /// </summary>
    public static IResourceBuilder<T> WithBucketOriginInContentSecurityPolicy<T>(this IResourceBuilder<T> web, IResourceBuilder<S3BucketResource> bucket)
        where T : IResourceWithEnvironment
    {
        var resource = bucket.Resource;
        var region = web.ApplicationBuilder.AddAwsSdkConfig().RegionValue;
        return web.WithEnvironment(context => context.EnvironmentVariables["ContentSecurityPolicy__StorageOrigins__0"] = resource.Emulator is { } emulator
            ? emulator.Endpoint
            : ReferenceExpression.Create($"https://{resource.BucketNameOutput.NameOnly()}.s3.{region}.amazonaws.com"));
    }

    /// <summary>Gives a service the bucket: its name, the AWS client settings to reach it, and nothing else.</summary>
    public static IResourceBuilder<T> WithReference<T>(this IResourceBuilder<T> service, IResourceBuilder<S3BucketResource> bucket)
        where T : IResourceWithEnvironment
    {
        var resource = bucket.Resource;
        return service.WithAwsServiceReference(resource, context =>
        {
            context.EnvironmentVariables[$"{resource.Name}__BucketName"] = resource.BucketNameOutput;
            // Emulators serve buckets under the path (http://127.0.0.1:port/bucket/key), not as host names; S3 itself
            // is addressed virtual-hosted style.
            context.EnvironmentVariables[$"{resource.Name}__ForcePathStyle"] = resource.Emulator is null ? "false" : "true";
        });
    }

    /// <summary>
    /// Gives a service the bucket with the access it needs in AWS (its task role's policy): <paramref name="access"/> on
    /// the keys under <paramref name="keyPrefixes"/> (all keys when none are given). Locally the emulator checks nothing.
    /// </summary>
    public static IResourceBuilder<T> WithReference<T>(this IResourceBuilder<T> service, IResourceBuilder<S3BucketResource> bucket,
        BucketAccess access, params string[] keyPrefixes)
        where T : IResourceWithEnvironment
    {
        foreach (var prefix in keyPrefixes)
        {
            if (string.IsNullOrWhiteSpace(prefix) || prefix.StartsWith('/') || prefix.Contains('*', StringComparison.Ordinal))
            {
                throw new ArgumentException($"A key prefix is a literal start of S3 keys, like 'uploads/': '{prefix}' is not.", nameof(keyPrefixes));
            }
        }

        service.WithAnnotation(new BucketAccessAnnotation(bucket.Resource, access, keyPrefixes));
        return service.WithReference(bucket);
    }

    private static async Task CreateBucketIfMissingAsync(IAmazonS3 s3, S3BucketResource bucket, CancellationToken ct)
    {
        try
        {
            await s3.PutBucketAsync(new PutBucketRequest { BucketName = bucket.BucketName }, ct);
        }
        catch (AmazonS3Exception ex) when (ex.ErrorCode is "BucketAlreadyOwnedByYou" or "BucketAlreadyExists")
        {
            // Created by an earlier start: nothing to do.
        }

        if (bucket.CorsOrigins.Count == 0)
        {
            return;
        }

        var origins = new List<string>();
        foreach (var origin in bucket.CorsOrigins)
        {
            origins.Add(await origin.GetValueAsync(ct) ?? throw new DistributedApplicationException($"The endpoint {origin.EndpointName} of '{origin.Resource.Name}' has no URL."));
        }

        await s3.PutCORSConfigurationAsync(new PutCORSConfigurationRequest
        {
            BucketName = bucket.BucketName,
            Configuration = new CORSConfiguration
            {
                Rules =
                [
                    new CORSRule
                    {
                        AllowedOrigins = origins,
                        AllowedMethods = ["GET", "PUT", "HEAD"],
                        AllowedHeaders = ["*"],
                        ExposeHeaders = ["ETag"],
                        MaxAgeSeconds = 600,
                    },
                ],
            },
        }, ct);
    }
}
