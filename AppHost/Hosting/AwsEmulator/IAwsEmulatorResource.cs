using Aspire.Hosting.ApplicationModel;

namespace Aspire.Hosting;

/// <summary>Names the single HTTP endpoint both emulators serve S3 and SQS on.</summary>
internal static class AwsEmulatorEndpoint
{
    public const string Name = "http";
}

/// <summary>A local emulator of S3 and SQS, reachable on one HTTP endpoint.</summary>
public interface IAwsEmulatorResource : IResourceWithEndpoints, IResourceWithWaitSupport
{
    EndpointReference Endpoint => new(this, AwsEmulatorEndpoint.Name);
}
