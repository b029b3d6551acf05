using Aspire.Hosting.ApplicationModel;

namespace Aspire.Hosting;

/// <summary>LocalStack (S3 and SQS) in a container.</summary>
public sealed class LocalStackResource(string name) : ContainerResource(name), IAwsEmulatorResource;
