using System.ComponentModel.DataAnnotations;
using Amazon.Extensions.NETCore.Setup;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using Amazon.SQS;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// The client side of the AppHost's <c>AddS3Bucket</c> and <c>AddSqsQueue</c>, in the shape of Aspire's client
/// integrations: settings bound from the configuration section named after the resource and validated at start, an AWS
/// SDK client, and a health check. The same keys come from the local emulator or from the deployed stack.
/// </summary>
public static class AwsClientExtensions
{
    /// <summary>Registers <see cref="IAmazonS3"/> and <see cref="S3BucketSettings"/> from the section <paramref name="name"/>.</summary>
    public static TBuilder AddS3BucketClient<TBuilder>(this TBuilder builder, string name) where TBuilder : IHostApplicationBuilder
    {
        builder.Services.AddOptions<S3BucketSettings>()
            .BindConfiguration(name)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.TryAddSingleton<IAmazonS3>(sp =>
        {
            var settings = sp.GetRequiredService<IOptions<S3BucketSettings>>().Value;
            return new AmazonS3Client(Configure(new AmazonS3Config { ForcePathStyle = settings.ForcePathStyle }, builder.Configuration));
        });
        builder.Services.AddHealthChecks().Add(new HealthCheckRegistration(
            name,
            sp => new S3BucketHealthCheck(sp.GetRequiredService<IAmazonS3>(), sp.GetRequiredService<IOptions<S3BucketSettings>>().Value.BucketName),
            failureStatus: null,
            tags: ["ready"],
            timeout: TimeSpan.FromSeconds(5)));
        return builder;
    }

    /// <summary>Registers <see cref="IAmazonSQS"/> and <see cref="SqsQueueSettings"/> from the section <paramref name="name"/>.</summary>
    public static TBuilder AddSqsQueueClient<TBuilder>(this TBuilder builder, string name) where TBuilder : IHostApplicationBuilder
    {
        builder.Services.AddOptions<SqsQueueSettings>()
            .BindConfiguration(name)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.TryAddSingleton<IAmazonSQS>(_ => new AmazonSQSClient(Configure(new AmazonSQSConfig(), builder.Configuration)));
        builder.Services.AddHealthChecks().Add(new HealthCheckRegistration(
            name,
            sp => new SqsQueueHealthCheck(sp.GetRequiredService<IAmazonSQS>(), sp.GetRequiredService<IOptions<SqsQueueSettings>>().Value.QueueUrl),
            failureStatus: null,
            tags: ["ready"],
            timeout: TimeSpan.FromSeconds(5)));
        return builder;
    }

    /// <summary>
    /// Applies the <c>AWS</c> section (Region, ServiceURL, AuthenticationRegion) to a service client's config. Without a
    /// ServiceURL the SDK resolves the regional endpoint; credentials come from the SDK's default chain (environment
    /// locally, the ECS task role in AWS), never from this repository.
    /// </summary>
    internal static TConfig Configure<TConfig>(TConfig config, IConfiguration configuration) where TConfig : ClientConfig
    {
        var aws = configuration.GetAWSOptions();
        if (aws.DefaultClientConfig.ServiceURL is { Length: > 0 } serviceUrl)
        {
            config.ServiceURL = serviceUrl;
            config.AuthenticationRegion = aws.DefaultClientConfig.AuthenticationRegion ?? aws.Region?.SystemName;
        }
        else if (aws.Region is not null)
        {
            config.RegionEndpoint = aws.Region;
        }

        return config;
    }

    private sealed class S3BucketHealthCheck(IAmazonS3 s3, string bucketName) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            await s3.HeadBucketAsync(new HeadBucketRequest { BucketName = bucketName }, cancellationToken);
            return HealthCheckResult.Healthy();
        }
    }

    private sealed class SqsQueueHealthCheck(IAmazonSQS sqs, string queueUrl) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            await sqs.GetQueueAttributesAsync(queueUrl, ["QueueArn"], cancellationToken);
            return HealthCheckResult.Healthy();
        }
    }
}

/// <summary>Configuration of an S3 bucket a service uses (section named after the AppHost resource, e.g. <c>storage</c>).</summary>
public sealed class S3BucketSettings
{
    [Required(ErrorMessage = "The bucket name is missing: set '{0}' (the AppHost's storage reference or the stack output provides it).")]
    public string BucketName { get; set; } = "";

    /// <summary>Path-style addressing, which local emulators need; real S3 uses virtual-hosted style.</summary>
    public bool ForcePathStyle { get; set; }
}

/// <summary>Configuration of an SQS queue a service uses (section named after the AppHost resource, e.g. <c>messaging</c>).</summary>
public sealed class SqsQueueSettings
{
    [Required(ErrorMessage = "The queue URL is missing: set '{0}' (the AppHost's messaging reference or the stack output provides it).")]
    [Url]
    public string QueueUrl { get; set; } = "";

    [Url]
    public string? DeadLetterQueueUrl { get; set; }

    /// <summary>
    /// The queue's redrive maxReceiveCount: on this delivery a message that fails again goes to the dead-letter queue.
    /// Decided once in the AppHost (<c>WithDeadLetterQueue</c>) and passed through the reference; set with
    /// <see cref="DeadLetterQueueUrl"/>, absent without a dead-letter queue.
    /// </summary>
    [Range(1, 1000, ErrorMessage = "The queue's MaxReceiveCount must be between 1 and 1000.")]
    public int? MaxReceiveCount { get; set; }
}
