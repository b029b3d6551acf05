using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;

namespace Platform.AppHost.Tests;

/// <summary>
/// Locally every service serves plain HTTP, so a first run on a machine without a trusted ASP.NET Core development
/// certificate opens the dashboard without an error about one: Aspire looks for that certificate only for a resource that
/// may serve HTTPS, and each project says it does not.
/// </summary>
public sealed class DevelopmentCertificateTests
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
}
