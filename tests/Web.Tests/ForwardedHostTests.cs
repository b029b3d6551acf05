using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Platform.Web.Infrastructure;

namespace Platform.Web.Tests;

/// <summary>
/// The host Web believes it serves, as it runs in AWS: behind CloudFront and the load balancer, which connect to it as
/// origin.{domain} (the name the load balancer's certificate covers) and send the public name in X-Forwarded-Host. The
/// sign-in redirect's Location and every other absolute URL are built from it.
/// </summary>
public sealed class ForwardedHostTests
{
    private const string PublicHost = "media.example.com";
    private const string OriginHost = "origin.media.example.com";

    [Fact]
    public async Task Behind_cloudfront_the_request_is_for_the_public_host_over_https()
    {
        var request = await ThroughForwardedHeadersAsync(publicHost: PublicHost, forwardedHost: PublicHost);

        Assert.Equal(PublicHost, request.Host.Value);
        Assert.Equal("https", request.Scheme);
    }

    [Fact]
    public async Task A_forwarded_host_other_than_the_public_one_is_ignored()
    {
        var request = await ThroughForwardedHeadersAsync(publicHost: PublicHost, forwardedHost: "attacker.example");

        Assert.Equal(OriginHost, request.Host.Value);
    }

    [Fact]
    public async Task Without_a_configured_public_host_no_forwarded_host_is_believed()
    {
        var request = await ThroughForwardedHeadersAsync(publicHost: null, forwardedHost: "attacker.example");

        Assert.Equal(OriginHost, request.Host.Value);
    }

    [Fact]
    public async Task The_client_address_is_the_viewer_cloudfront_saw_not_what_the_viewer_wrote()
    {
        // CloudFront appends the viewer (203.0.113.7) to what the browser sent (a forged 6.6.6.6); the load balancer
        // appends CloudFront's VPC-origin interface (10.0.3.200) and connects from 10.0.3.17. With the stack's settings
        // (the VPC trusted, two proxies) the viewer is the client, whatever it forged.
        var request = await ThroughForwardedHeadersAsync(publicHost: PublicHost, forwardedHost: PublicHost,
            forwardedFor: "6.6.6.6, 203.0.113.7, 10.0.3.200", knownNetworks: "10.0.0.0/16", forwardLimit: "2");

        Assert.Equal(IPAddress.Parse("203.0.113.7"), request.HttpContext.Connection.RemoteIpAddress);
    }

    [Fact]
    public void A_known_network_that_is_not_a_range_stops_the_service()
    {
        using var app = WebApp(PublicHost, knownNetworks: "10.0.0.0", forwardLimit: null);

        var error = Assert.Throws<InvalidOperationException>(() => app.Services.GetRequiredService<IOptions<ForwardedHeadersOptions>>().Value);
        Assert.Contains("ForwardedHeaders:KnownNetworks", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_public_host_that_is_not_a_host_name_stops_the_service()
    {
        using var app = WebApp("https://media.example.com/");

        var error = Assert.Throws<InvalidOperationException>(() => app.Services.GetRequiredService<IOptions<ForwardedHeadersOptions>>().Value);
        Assert.Contains("ForwardedHeaders:PublicHost", error.Message, StringComparison.Ordinal);
    }

    /// <summary>Web's services as its Program builds them, with what the stack sets; one request through the middleware.</summary>
    private static async Task<HttpRequest> ThroughForwardedHeadersAsync(
        string? publicHost, string forwardedHost, string forwardedFor = "203.0.113.7, 10.0.3.200", string? knownNetworks = null, string? forwardLimit = null)
    {
        using var app = WebApp(publicHost, knownNetworks, forwardLimit);
        var options = app.Services.GetRequiredService<IOptions<ForwardedHeadersOptions>>();
        var context = new DefaultHttpContext();
        context.Connection.RemoteIpAddress = IPAddress.Parse("10.0.3.17"); // the load balancer, in the app subnets
        context.Request.Scheme = "http";
        context.Request.Host = new HostString(OriginHost);
        context.Request.Headers["X-Forwarded-For"] = forwardedFor;
        context.Request.Headers["X-Forwarded-Proto"] = "https";
        context.Request.Headers["X-Forwarded-Host"] = forwardedHost;
        await new ForwardedHeadersMiddleware(_ => Task.CompletedTask, NullLoggerFactory.Instance, options).Invoke(context);
        return context.Request;
    }

    private static WebApplication WebApp(string? publicHost, string? knownNetworks = null, string? forwardLimit = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = Environments.Production });
        // What the stack sets on the task: the load balancer's forwarded headers (Aspire's publish) and the public host.
        builder.Configuration["FORWARDEDHEADERS_ENABLED"] = "true";
        builder.Configuration["ForwardedHeaders:PublicHost"] = publicHost;
        builder.Configuration["ForwardedHeaders:KnownNetworks"] = knownNetworks;
        builder.Configuration["ForwardedHeaders:ForwardLimit"] = forwardLimit;
        builder.AddServiceDefaults();
        builder.AddWebSecurity();
        return builder.Build();
    }
}
