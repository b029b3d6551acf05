using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.Configuration;

namespace Platform.AppHost.Hosting;

/// <summary>
/// Locally each service serves plain HTTP on its own port, without a proxy in front. Applied at start, so it covers
/// every project however it was added, and leaves alone what a project asked for itself (an HTTPS endpoint, an
/// endpoint already unproxied, replicas).
/// <list type="bullet">
/// <item><b>Plain HTTP.</b> The launch profiles have only <c>http</c> URLs, and in AWS TLS ends at CloudFront and the load
/// balancer. Aspire 13 still gives every project a way to receive an HTTPS certificate, and at start looks for a trusted
/// ASP.NET Core development certificate for it; where there is none (a fresh machine, and on Linux
/// <c>dotnet dev-certs https --trust</c> cannot make one trusted everywhere) the dashboard opens on a red "No trusted
/// development certificate" error about TLS that nothing here uses. Saying so in the model (Aspire's
/// <c>WithoutHttpsCertificate</c>, for each project without an HTTPS endpoint) ends the search and the error, without
/// touching the machine's trust stores. The dashboard keeps its token sign-in.</item>
/// <item><b>No proxy.</b> Each <c>http</c> endpoint is the service's own Kestrel, on the port its launch profile names
/// (under Aspire.Hosting.Testing, which asks for random ports, a free one). Aspire's development proxy in front is a
/// second TCP hop that copies every byte on the same cores; on a 2-core machine it took about a third of the Api's
/// throughput (docs/performance.md), and here it earns nothing: no service runs replicas (one with replicas keeps the
/// proxy, which spreads requests over them), and a service restarted from the dashboard binds the same port again. In
/// AWS the hop in front of a service, the load balancer, runs on machines of its own.</item>
/// </list>
/// </summary>
internal static class LocalServiceEndpoints
{
    public static void ApplyAtStart(IDistributedApplicationBuilder builder)
    {
        if (!builder.ExecutionContext.IsRunMode)
        {
            return;
        }

        builder.Eventing.Subscribe<BeforeStartEvent>((e, _) =>
        {
            var randomPorts = builder.Configuration.GetValue<bool>("DcpPublisher:RandomizePorts");
            var given = new HashSet<int>();
            foreach (var project in e.Model.Resources.OfType<ProjectResource>())
            {
                DeclarePlainHttp(project);
                if (!project.TryGetLastAnnotation<ReplicaAnnotation>(out var replicas) || replicas.Replicas <= 1)
                {
                    ServeWithoutProxy(project, randomPorts, given);
                }
            }

            return Task.CompletedTask;
        });
    }

    private static void DeclarePlainHttp(ProjectResource project)
    {
#pragma warning disable ASPIRECERTIFICATES001 // The annotation WithoutHttpsCertificate adds; experimental in Aspire 13.
        var https = project.Annotations.OfType<EndpointAnnotation>().Any(endpoint => endpoint.UriScheme == "https");
        if (!https && !project.Annotations.OfType<HttpsCertificateAnnotation>().Any())
        {
            project.Annotations.Add(new HttpsCertificateAnnotation { UseDeveloperCertificate = false });
        }
#pragma warning restore ASPIRECERTIFICATES001
    }

    private static void ServeWithoutProxy(ProjectResource project, bool randomPorts, HashSet<int> given)
    {
        foreach (var endpoint in project.Annotations.OfType<EndpointAnnotation>().Where(endpoint => endpoint.IsProxied && endpoint.UriScheme == "http"))
        {
            var port = randomPorts ? null : endpoint.Port ?? endpoint.TargetPort;
            while (port is null || !given.Add(port.Value))
            {
                port = LoopbackEndpoint.FreePort();
            }

            endpoint.IsProxied = false;
            endpoint.Port = endpoint.TargetPort = port;
        }
    }
}
