using Aspire.Hosting.ApplicationModel;
using Platform.AppHost.Hosting;

namespace Aspire.Hosting;

/// <summary>
/// A server run as a local process (Postgres, Redis), with a password and one loopback endpoint: what the process-mode
/// twins of Aspire's server containers share.
/// </summary>
public abstract class LocalServerResource(string name, string command, string workingDirectory, ParameterResource password)
    : ExecutableResource(name, command, workingDirectory)
{
    internal const string PrimaryEndpointName = "tcp";

    public EndpointReference PrimaryEndpoint => new(this, PrimaryEndpointName);

    public ParameterResource PasswordParameter { get; } = password;

    /// <summary>The port the server listens on, chosen when the AppHost starts.</summary>
    internal string Port => LoopbackEndpoint.PortText(this, PrimaryEndpointName);
}
