using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Aspire.Hosting.ApplicationModel;

namespace Platform.AppHost.Hosting;

/// <summary>
/// The one endpoint of a local server process: the process binds it itself, on 127.0.0.1 only, and Aspire does not proxy
/// it. Its port is chosen when the AppHost starts, never while the model is built: <c>Platform:Ports:{resource}</c> when
/// configured (and then it must be free), else a free port.
/// </summary>
internal static class LoopbackEndpoint
{
    public static IResourceBuilder<T> WithLoopbackEndpoint<T>(this IResourceBuilder<T> resource, string name, string scheme)
        where T : IResourceWithEndpoints
    {
        var builder = resource.ApplicationBuilder;
        var resourceName = resource.Resource.Name;
        builder.Eventing.Subscribe<BeforeStartEvent>((_, _) =>
        {
            var endpoint = resource.Resource.Annotations.OfType<EndpointAnnotation>().Single(e => e.Name == name);
            endpoint.Port = endpoint.TargetPort = ChoosePort(builder.Configuration[$"Platform:Ports:{resourceName}"], resourceName);
            return Task.CompletedTask;
        });
        return resource.WithEndpoint(name, e =>
        {
            e.TargetHost = "127.0.0.1";
            e.IsProxied = false;
            e.UriScheme = scheme;
        });
    }

    /// <summary>The port the endpoint was given at start; what the process is told to listen on.</summary>
    public static int PortOf(IResource resource, string name) =>
        resource.Annotations.OfType<EndpointAnnotation>().Single(e => e.Name == name).TargetPort
        ?? throw new InvalidOperationException($"The endpoint '{name}' of '{resource.Name}' gets its port when the AppHost starts.");

    /// <inheritdoc cref="PortOf(IResource, string)"/>
    public static string PortText(IResource resource, string name) => PortOf(resource, name).ToString(CultureInfo.InvariantCulture);

    /// <summary>A port free on 127.0.0.1 now, as the system chooses one.</summary>
    public static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    private static int ChoosePort(string? configured, string resourceName)
    {
        var key = $"Platform:Ports:{resourceName}";
        if (string.IsNullOrWhiteSpace(configured))
        {
            return FreePort();
        }

        if (!int.TryParse(configured, out var port) || port is < 1 or > 65535)
        {
            throw new DistributedApplicationException($"{key} is '{configured}', which is not a TCP port (1-65535).");
        }

        try
        {
            using var probe = new TcpListener(IPAddress.Loopback, port);
            probe.Start();
        }
        catch (SocketException)
        {
            throw new DistributedApplicationException(
                $"Port {port} on 127.0.0.1, configured by {key} for '{resourceName}', is already in use. " +
                $"Stop whatever listens there (`ss -ltnp 'sport = :{port}'` shows it) or remove {key} to use a free port.");
        }

        return port;
    }
}
