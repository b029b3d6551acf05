using System.Collections.Concurrent;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.SQS;
using Aspire.Hosting.ApplicationModel;

namespace Aspire.Hosting;

/// <summary>
/// What a service needs to reach the emulator, and the AppHost's own clients for creating buckets and queues. The
/// emulators check no signatures; the credentials only have to be present.
/// </summary>
internal static class AwsEmulatorClients
{
    public const string AccessKeyId = "test";
    public const string SecretAccessKey = "test";

    public static IResourceBuilder<T> WithAwsClientSettings<T>(this IResourceBuilder<T> service, IAwsEmulatorResource? emulator)
        where T : IResourceWithEnvironment
    {
        if (emulator is null)
        {
            // The real services: the region (and profile) of the AWS SDK settings; credentials from the SDK's chain.
            return service.WithReference(service.ApplicationBuilder.AddAwsSdkConfig());
        }

        return service.WithEnvironment(context =>
        {
            context.EnvironmentVariables["AWS__Region"] = AwsEmulatorHosting.Region;
            context.EnvironmentVariables["AWS__AuthenticationRegion"] = AwsEmulatorHosting.Region;
            context.EnvironmentVariables["AWS__ServiceURL"] = emulator.Endpoint;
            context.EnvironmentVariables["AWS_ACCESS_KEY_ID"] = AccessKeyId;
            context.EnvironmentVariables["AWS_SECRET_ACCESS_KEY"] = SecretAccessKey;
        });
    }

    /// <summary>The AppHost's S3 client for an emulator, made once (health checks ask for it every few seconds).</summary>
    public static async Task<IAmazonS3> S3Async(IAwsEmulatorResource emulator, CancellationToken ct)
    {
        var serviceUrl = await ServiceUrlAsync(emulator, ct);
        return S3.GetOrAdd(serviceUrl, url => new AmazonS3Client(Credentials, new AmazonS3Config
        {
            ServiceURL = url,
            AuthenticationRegion = AwsEmulatorHosting.Region,
            ForcePathStyle = true,
        }));
    }

    /// <summary>The AppHost's SQS client for an emulator, made once.</summary>
    public static async Task<IAmazonSQS> SqsAsync(IAwsEmulatorResource emulator, CancellationToken ct)
    {
        var serviceUrl = await ServiceUrlAsync(emulator, ct);
        return Sqs.GetOrAdd(serviceUrl, url => new AmazonSQSClient(Credentials, new AmazonSQSConfig
        {
            ServiceURL = url,
            AuthenticationRegion = AwsEmulatorHosting.Region,
        }));
    }

    // Keyed by the emulator's URL: one client per emulator for the AppHost's lifetime, as the SDK recommends.
    private static readonly ConcurrentDictionary<string, IAmazonS3> S3 = new();
    private static readonly ConcurrentDictionary<string, IAmazonSQS> Sqs = new();

    private static BasicAWSCredentials Credentials => new(AccessKeyId, SecretAccessKey);

    private static async Task<string> ServiceUrlAsync(IAwsEmulatorResource emulator, CancellationToken ct) =>
        await emulator.Endpoint.GetValueAsync(ct)
        ?? throw new DistributedApplicationException($"'{emulator.Name}' has no endpoint yet.");
}
