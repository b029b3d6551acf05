using Aspire.Hosting.ApplicationModel;

namespace Aspire.Hosting;

/// <summary>
/// Where a service is reachable from browsers in AWS: CloudFront and the load balancer route each <c>{path}</c> and
/// <c>{path}/*</c> to it (the api's <c>/api</c> and <c>/openapi</c>). A service with external HTTP endpoints and no path
/// gets <c>/</c>. Locally nothing changes: each service has its own port.
/// </summary>
public static class PublicPathHosting
{
    public static IResourceBuilder<ProjectResource> WithPublicPath(this IResourceBuilder<ProjectResource> service, params string[] paths)
    {
        // An ALB rule takes at most five path values (each path is two: '/api' and '/api/*').
        if (paths.Length is 0 or > 2)
        {
            throw new ArgumentException("A service has one or two public paths.", nameof(paths));
        }

        foreach (var path in paths)
        {
            if (string.IsNullOrWhiteSpace(path) || !path.StartsWith('/') || path.EndsWith('/') || path.Contains('*', StringComparison.Ordinal))
            {
                throw new ArgumentException($"A public path looks like '/api': it starts with '/', does not end with one and has no wildcard; '{path}' does not.", nameof(paths));
            }
        }

        return service.WithAnnotation(new PublicPathAnnotation(paths), ResourceAnnotationMutationBehavior.Replace);
    }
}
