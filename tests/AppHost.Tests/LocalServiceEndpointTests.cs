using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;

namespace Platform.AppHost.Tests;

/// <summary>
/// Locally every service serves plain HTTP, so a first run on a machine without a trusted ASP.NET Core development
/// certificate opens the dashboard without an error about one: Aspire looks for that certificate only for a resource that
/// may serve HTTPS, and each project says it does not. And each service is reached on its own port, with no proxy
/// copying its bytes on the same cores.
/// </summary>
public sealed class LocalServiceEndpointTests
{
    [Fact]
    public async Task No_project_asks_for_a_development_certificate_it_would_not_use()
    {
        var builder = AppModel.Bare("processes");
        builder.AddPlatformDefaults();
        builder.AddProject<Projects.Api>("api");
        builder.AddProject<Projects.Web>("web").WithExternalHttpEndpoints();
        await using var app = builder.Build();

        await app.AnnounceStartAsync();

#pragma warning disable ASPIRECERTIFICATES001 // The annotation Aspire reads to decide whether a resource needs a certificate.
        Assert.All(builder.Resources.OfType<ProjectResource>(), project =>
        {
            Assert.DoesNotContain(project.Annotations.OfType<EndpointAnnotation>(), e => e.UriScheme == "https");
            var certificate = Assert.Single(project.Annotations.OfType<HttpsCertificateAnnotation>());
            Assert.False(certificate.UseDeveloperCertificate);
            Assert.Null(certificate.Certificate);
        });
#pragma warning restore ASPIRECERTIFICATES001
    }

    [Fact]
    public async Task Each_service_is_reached_on_its_launch_profile_port_without_a_proxy()
    {
        var builder = AppModel.Bare("processes");
        builder.AddPlatformDefaults();
        var api = builder.AddProject<Projects.Api>("api");
        var web = builder.AddProject<Projects.Web>("web").WithExternalHttpEndpoints();
        await using var app = builder.Build();

        await app.AnnounceStartAsync();

        AssertServedDirectlyOn(api.Resource, 5200);
        AssertServedDirectlyOn(web.Resource, 5100);
    }

    [Fact]
    public async Task Under_test_each_service_gets_a_free_port_of_its_own_and_one_with_replicas_keeps_the_proxy()
    {
        var builder = AppModel.Bare("processes", "--DcpPublisher:RandomizePorts=true");
        builder.AddPlatformDefaults();
        var api = builder.AddProject<Projects.Api>("api");
        var web = builder.AddProject<Projects.Web>("web");
        var worker = builder.AddProject<Projects.Worker>("worker").WithReplicas(2);
        await using var app = builder.Build();

        await app.AnnounceStartAsync();

        var apiPort = AssertServedDirectlyOn(api.Resource, null);
        var webPort = AssertServedDirectlyOn(web.Resource, null);
        Assert.NotEqual(apiPort, webPort);
        Assert.True(Http(worker.Resource).IsProxied);
    }

    private static EndpointAnnotation Http(ProjectResource project) =>
        Assert.Single(project.Annotations.OfType<EndpointAnnotation>(), e => e.Name == "http");

    private static int AssertServedDirectlyOn(ProjectResource project, int? expectedPort)
    {
        var http = Http(project);
        Assert.False(http.IsProxied);
        var port = Assert.NotNull(http.Port);
        Assert.Equal(port, http.TargetPort);
        if (expectedPort is { } expected)
        {
            Assert.Equal(expected, port);
        }

        return port;
    }
}
