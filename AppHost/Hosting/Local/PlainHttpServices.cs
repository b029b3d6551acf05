using Aspire.Hosting.ApplicationModel;

namespace Platform.AppHost.Hosting;

/// <summary>
/// Locally the services serve plain HTTP on loopback: their launch profiles have only <c>http</c> URLs, and in AWS TLS
/// ends at CloudFront and the load balancer. Aspire 13 still gives every project a way to receive an HTTPS certificate,
/// and at start looks for a trusted ASP.NET Core development certificate for it; where there is none (a fresh machine,
/// and on Linux <c>dotnet dev-certs https --trust</c> cannot make one trusted everywhere) the dashboard opens on a red
/// "No trusted development certificate" error about TLS that nothing here uses. Saying so in the model (Aspire's
/// <c>WithoutHttpsCertificate</c>, for each project without an HTTPS endpoint) ends the search and the error, without
/// touching the machine's trust stores. The dashboard keeps its token sign-in.
/// </summary>
internal static class PlainHttpServices
{
    public static void DeclareAtStart(IDistributedApplicationBuilder builder)
    {
        if (!builder.ExecutionContext.IsRunMode)
        {
            return;
        }

        // At start, so it covers every project however it was added, and leaves alone one that asked for HTTPS.
        builder.Eventing.Subscribe<BeforeStartEvent>((e, _) =>
        {
#pragma warning disable ASPIRECERTIFICATES001 // The annotation WithoutHttpsCertificate adds; experimental in Aspire 13.
            foreach (var project in e.Model.Resources.OfType<ProjectResource>())
            {
                var https = project.Annotations.OfType<EndpointAnnotation>().Any(endpoint => endpoint.UriScheme == "https");
                if (!https && !project.Annotations.OfType<HttpsCertificateAnnotation>().Any())
                {
                    project.Annotations.Add(new HttpsCertificateAnnotation { UseDeveloperCertificate = false });
                }
            }
#pragma warning restore ASPIRECERTIFICATES001

            return Task.CompletedTask;
        });
    }
}
