using Aspire.Hosting.ApplicationModel;

namespace Aspire.Hosting;

/// <summary>The path prefixes CloudFront and the load balancer route to a service in AWS.</summary>
public sealed class PublicPathAnnotation(IReadOnlyList<string> paths) : IResourceAnnotation
{
    public IReadOnlyList<string> Paths { get; } = paths;
}
