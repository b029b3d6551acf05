using Aspire.Hosting.ApplicationModel;

namespace Aspire.Hosting;

/// <summary>fauxqs (S3 and SQS) as a Node process bound to 127.0.0.1.</summary>
public sealed class FauxqsResource(string name, string command, string workingDirectory)
    : ExecutableResource(name, command, workingDirectory), IAwsEmulatorResource;
