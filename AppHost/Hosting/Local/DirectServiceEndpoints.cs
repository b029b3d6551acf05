using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.Configuration;

namespace Platform.AppHost.Hosting;

/// <summary>
/// Locally each service's HTTP endpoint is the service's own Kestrel, on the port its launch profile names (under
/// Aspire.Hosting.Testing, which asks for random ports, a free one), without Aspire's development proxy in front. The
/// proxy is a second TCP hop that copies every byte on the same cores; on a 2-core machine it took about a third of the
/// Api's throughput (docs/performance.md), and here it earns nothing: no service runs replicas (one with replicas keeps
/// the proxy, which spreads requests over them), and a service restarted from the dashboard binds the same port again.
/// In AWS the hop in front of a service, the load balancer, runs on machines of its own.
/// </summary>
internal static class DirectServiceEndpoints
{
    public static void ServeWithoutProxyAtStart(IDistributedApplicationBuilder builder)
    {
        if (!builder.ExecutionContext.IsRunMode)
        {
            return;
        }

        // At start, so it covers every project however it was added, and leaves alone an endpoint already set unproxied.
        builder.Eventing.Subscribe<BeforeStartEvent>((e, _) =>
        {
            var randomPorts = builder.Configuration.GetValue<bool>("DcpPublisher:RandomizePorts");
            var given = new HashSet<int>();
            var endpoints = e.Model.Resources.OfType<ProjectResource>()
                .Where(project => !project.TryGetLastAnnotation<ReplicaAnnotation>(out var replicas) || replicas.Replicas <= 1)
                .SelectMany(project => project.Annotations.OfType<EndpointAnnotation>())
                .Where(endpoint => endpoint.IsProxied && endpoint.UriScheme == "http");
            foreach (var endpoint in endpoints)
            {
                var port = randomPorts ? null : endpoint.Port ?? endpoint.TargetPort;
                while (port is null || !given.Add(port.Value))
                {
                    port = LoopbackEndpoint.FreePort();
                }

                endpoint.IsProxied = false;
                endpoint.Port = endpoint.TargetPort = port;
            }

            return Task.CompletedTask;
        });
    }
}
