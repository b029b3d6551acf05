using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Platform.AppHost.Hosting;

namespace Aspire.Hosting;

/// <summary>
/// <c>storage</c>: an S3 bucket. Locally it lives in the AWS emulator and is created at start-up (idempotently); in AWS
/// it is the bucket of the CDK stack. Services receive <c>{name}:BucketName</c> and the AWS client settings.
/// </summary>
public static class S3BucketHosting
{
    public static IResourceBuilder<S3BucketResource> AddS3Bucket(this IDistributedApplicationBuilder builder, [ResourceName] string name, string bucketName)
    {
        var emulator = builder.GetOrAddAwsEmulator();
        var bucket = new S3BucketResource(name, bucketName, emulator.Resource);
        var healthCheckKey = $"{name}_check";
        builder.Services.AddHealthChecks().AddAsyncCheck(healthCheckKey, async ct =>
        {
            if (!bucket.BucketNameOutput.IsSet)
            {
                return HealthCheckResult.Unhealthy($"Bucket '{bucketName}' is not created yet.");
            }

            using var s3 = await AwsEmulatorClients.S3Async(emulator.Resource, ct);
            await s3.HeadBucketAsync(new() { BucketName = bucketName }, ct);
            return HealthCheckResult.Healthy();
        });

        return builder.AddResource(bucket)
            .WithParentRelationship(emulator.Resource)
            .WithIconName("Folder")
            .WithInitialState(new CustomResourceSnapshot
            {
                ResourceType = "S3Bucket",
                State = KnownResourceStates.NotStarted,
                Properties = [new("BucketName", bucketName)],
            })
            .OnInitializeResource((resource, e, ct) => PlatformDefaults.StartAfterParentAsync(resource, emulator.Resource, e, async () =>
            {
                using var s3 = await AwsEmulatorClients.S3Async(emulator.Resource, ct);
                await CreateBucketIfMissingAsync(s3, resource, ct);
                resource.BucketNameOutput.Set(bucketName);
            }, ct))
            .WithHealthCheck(healthCheckKey);
    }

    /// <summary>
    /// Lets browsers on <paramref name="origin"/>'s endpoint upload to and download from the bucket through presigned
    /// URLs (S3 bucket CORS), as the CloudFront/S3 CORS rules do in AWS.
    /// </summary>
    public static IResourceBuilder<S3BucketResource> WithCorsOrigin(this IResourceBuilder<S3BucketResource> bucket, EndpointReference origin)
    {
        bucket.Resource.CorsOrigins.Add(origin);
        return bucket;
    }

    /// <summary>Gives a service the bucket: its name, the AWS client settings to reach it, and nothing else.</summary>
    public static IResourceBuilder<T> WithReference<T>(this IResourceBuilder<T> service, IResourceBuilder<S3BucketResource> bucket)
        where T : IResourceWithEnvironment
    {
        var resource = bucket.Resource;
        return service
            .WithAwsClientSettings(resource.Emulator)
            .WithEnvironment(context =>
            {
                context.EnvironmentVariables[$"{resource.Name}__BucketName"] = resource.BucketNameOutput;
                // Emulators serve buckets under the path (http://127.0.0.1:port/bucket/key), not as host names.
                context.EnvironmentVariables[$"{resource.Name}__ForcePathStyle"] = "true";
            })
            .WithReferenceRelationship(resource);
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

/// <summary>An S3 bucket; its physical name is an output, because in AWS the stack chooses it.</summary>
public sealed class S3BucketResource : Resource, IResourceWithWaitSupport
{
    public S3BucketResource(string name, string bucketName, IAwsEmulatorResource? emulator) : base(name)
    {
        BucketName = bucketName;
        Emulator = emulator;
        BucketNameOutput = new AwsResourceOutput(this, "BucketName");
    }

    /// <summary>The bucket's name where the emulator creates it; in AWS, the base of the generated name.</summary>
    public string BucketName { get; }

    /// <summary>The emulator serving this bucket locally; null where the bucket is the real one.</summary>
    public IAwsEmulatorResource? Emulator { get; }

    public AwsResourceOutput BucketNameOutput { get; }

    /// <summary>Web origins whose pages may call the bucket directly (presigned uploads and downloads).</summary>
    public List<EndpointReference> CorsOrigins { get; } = [];
}
