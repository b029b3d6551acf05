using Aspire.Hosting.ApplicationModel;

namespace Aspire.Hosting;

/// <summary>
/// Where a service is reachable from browsers in AWS: CloudFront and the load balancer route <c>{path}</c> and
/// <c>{path}/*</c> to it (the api's <c>/api</c>). A service with external HTTP endpoints and no path gets <c>/</c>.
/// Locally nothing changes: each service has its own port.
/// </summary>
public static class PublicPathHosting
{
    public static IResourceBuilder<ProjectResource> WithPublicPath(this IResourceBuilder<ProjectResource> service, string path)
    {
        if (string.IsNullOrWhiteSpace(path) || !path.StartsWith('/') || path.EndsWith('/') || path.Contains('*', StringComparison.Ordinal))
        {
            throw new ArgumentException($"A public path looks like '/api': it starts with '/', does not end with one and has no wildcard; '{path}' does not.", nameof(path));
        }

        return service.WithAnnotation(new PublicPathAnnotation(path), ResourceAnnotationMutationBehavior.Replace);
    }
}

/// <summary>The path prefix CloudFront and the load balancer route to a service in AWS.</summary>
public sealed class PublicPathAnnotation(string path) : IResourceAnnotation
{
    public string Path { get; } = path;
}
