using Aspire.Hosting.ApplicationModel;
using Platform.AppHost.Hosting;

namespace Aspire.Hosting;

/// <summary>redis-server run as a local process; connection string and properties have the shape of Aspire's Redis container.</summary>
public sealed class RedisProcessResource(string name, string command, string workingDirectory, ParameterResource password)
    : ExecutableResource(name, command, workingDirectory), IResourceWithConnectionString
{
    internal const string PrimaryEndpointName = "tcp";

    public EndpointReference PrimaryEndpoint => new(this, PrimaryEndpointName);

    public ParameterResource PasswordParameter { get; } = password;

    /// <summary>The port redis-server listens on, chosen when the AppHost starts.</summary>
    internal string Port => LoopbackEndpoint.PortText(this, PrimaryEndpointName);

    private EndpointReferenceExpression Host => PrimaryEndpoint.Property(EndpointProperty.Host);

    private EndpointReferenceExpression PortProperty => PrimaryEndpoint.Property(EndpointProperty.Port);

    public ReferenceExpression ConnectionStringExpression =>
        ReferenceExpression.Create($"{PrimaryEndpoint.Property(EndpointProperty.HostAndPort)},password={PasswordParameter}");

    IEnumerable<KeyValuePair<string, ReferenceExpression>> IResourceWithConnectionString.GetConnectionProperties()
    {
        yield return new("Host", ReferenceExpression.Create($"{Host}"));
        yield return new("Port", ReferenceExpression.Create($"{PortProperty}"));
        yield return new("Password", ReferenceExpression.Create($"{PasswordParameter}"));
        yield return new("Uri", ReferenceExpression.Create($"redis://:{PasswordParameter:uri}@{Host}:{PortProperty}"));
    }
}
