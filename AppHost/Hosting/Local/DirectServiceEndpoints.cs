using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.Configuration;

namespace Platform.AppHost.Hosting;

/// <summary>
/// Locally each service's HTTP endpoint is the service's own Kestrel, on the port its launch profile names (under
/// Aspire.Hosting.Testing, which asks for random ports, a free one), without Aspire's development proxy in front. The
/// proxy is a second TCP hop that copies every byte; on a 2-core laptop it took about a third of the Api's throughput
/// (docs/performance.md), and here it earns nothing: no service runs replicas, and a service restarted from the
/// dashboard binds the same port again. A deployed service has no such hop either.
/// </summary>
internal static class DirectServiceEndpoints
{
    public static void ServeWithoutProxyAtStart(IDistributedApplicationBuilder builder)
    {
        if (!builder.ExecutionContext.IsRunMode)
        {
            return;
        }

        var randomPorts = builder.Configuration.GetValue<bool>("DcpPublisher:RandomizePorts");
        // At start, so it covers every project however it was added, and leaves alone an endpoint already set unproxied.
        builder.Eventing.Subscribe<BeforeStartEvent>((e, _) =>
        {
            var endpoints = e.Model.Resources.OfType<ProjectResource>()
                .SelectMany(project => project.Annotations.OfType<EndpointAnnotation>())
                .Where(endpoint => endpoint.IsProxied && endpoint.UriScheme is "http" or "https");
            foreach (var endpoint in endpoints)
            {
                endpoint.IsProxied = false;
                endpoint.Port = endpoint.TargetPort = randomPorts || endpoint.Port is null ? LoopbackEndpoint.FreePort() : endpoint.Port;
            }

            return Task.CompletedTask;
        });
    }
}
