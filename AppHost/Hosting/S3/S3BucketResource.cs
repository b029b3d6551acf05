using Aspire.Hosting.ApplicationModel;

namespace Aspire.Hosting;

/// <summary>An S3 bucket; its physical name is an output, because in AWS the stack chooses it.</summary>
public sealed class S3BucketResource : AwsServiceResource
{
    public S3BucketResource(string name, string bucketName, IAwsEmulatorResource? emulator) : base(name, emulator)
    {
        BucketName = bucketName;
        BucketNameOutput = Output("BucketName");
    }

    /// <summary>The bucket's name where the emulator creates it; in AWS, the base of the generated name.</summary>
    public string BucketName { get; }

    public AwsResourceOutput BucketNameOutput { get; }

    /// <summary>Web origins whose pages may call the bucket directly (presigned uploads and downloads).</summary>
    public List<EndpointReference> CorsOrigins { get; } = [];
}
