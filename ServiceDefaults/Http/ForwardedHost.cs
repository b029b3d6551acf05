using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Platform.ServiceDefaults.Http;

/// <summary>
/// The public host name of a service that a proxy reaches by another name. In AWS, CloudFront connects to the load
/// balancer as <c>origin.{domain}</c> (the name the load balancer's certificate covers) and sends the public name in
/// <c>X-Forwarded-Host</c>; absolute URLs the app builds (the sign-in redirect's <c>Location</c>) must name the public
/// host. The header is honoured only when <see cref="PublicHostKey"/> is set, and only with exactly that value: a request
/// that names any other host keeps the Host it arrived with (the stack sets the value; CloudFront overwrites whatever a
/// browser sends in that header).
/// </summary>
public static class ForwardedHost
{
    /// <summary>The configuration key of the public host name (environment: <c>ForwardedHeaders__PublicHost</c>).</summary>
    public const string PublicHostKey = "ForwardedHeaders:PublicHost";

    /// <summary>
    /// The networks whose proxies are trusted to say who called them (comma-separated CIDRs; environment:
    /// <c>ForwardedHeaders__KnownNetworks</c>). Unset: loopback only, ASP.NET Core's default. In AWS the stack sets the
    /// VPC's range: the load balancer and CloudFront's VPC-origin interfaces live there.
    /// </summary>
    public const string KnownNetworksKey = "ForwardedHeaders:KnownNetworks";

    /// <summary>
    /// How many proxies stand in front (environment: <c>ForwardedHeaders__ForwardLimit</c>): 1 locally; 2 in AWS, where
    /// CloudFront appends the viewer and the load balancer appends CloudFront, so the viewer is the second entry from the
    /// right and anything a client wrote further left is ignored.
    /// </summary>
    public const string ForwardLimitKey = "ForwardedHeaders:ForwardLimit";

    /// <summary>
    /// Adds <c>X-Forwarded-Host</c>, limited to the configured public host, to whatever else the forwarded-headers
    /// middleware is told (after it, so a service's own <c>Configure</c> cannot drop it).
    /// </summary>
    public static IServiceCollection AddForwardedPublicHost(this IServiceCollection services)
    {
        services.AddOptions<ForwardedHeadersOptions>().PostConfigure<IConfiguration>((options, configuration) =>
        {
            if (configuration[KnownNetworksKey] is { Length: > 0 } networks)
            {
                foreach (var network in networks.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                {
                    options.KnownIPNetworks.Add(System.Net.IPNetwork.TryParse(network, out var parsed)
                        ? parsed
                        : throw new InvalidOperationException($"{KnownNetworksKey} holds '{network}': each entry must be a CIDR range like 10.40.0.0/16."));
                }
            }

            if (configuration[ForwardLimitKey] is { Length: > 0 } limit)
            {
                options.ForwardLimit = int.TryParse(limit, System.Globalization.CultureInfo.InvariantCulture, out var proxies) && proxies is >= 1 and <= 5
                    ? proxies
                    : throw new InvalidOperationException($"{ForwardLimitKey} is '{limit}': it must be the number of proxies in front, 1 to 5.");
            }

            if (configuration[PublicHostKey] is not { Length: > 0 } host)
            {
                return;
            }

            if (Uri.CheckHostName(host) != UriHostNameType.Dns)
            {
                throw new InvalidOperationException($"{PublicHostKey} is '{host}': it must be a DNS host name like media.example.com (no scheme, port or path).");
            }

            options.ForwardedHeaders |= ForwardedHeaders.XForwardedHost;
            options.AllowedHosts = [host];
        });
        return services;
    }
}
