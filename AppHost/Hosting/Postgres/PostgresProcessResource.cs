using Aspire.Hosting.ApplicationModel;
using Platform.AppHost.Hosting;

namespace Aspire.Hosting;

/// <summary>A PostgreSQL server run as a local process; its connection string has the same shape as Aspire's container.</summary>
public sealed class PostgresProcessResource(string name, string command, string workingDirectory, ParameterResource password)
    : ExecutableResource(name, command, workingDirectory), IResourceWithConnectionString
{
    internal const string PrimaryEndpointName = "tcp";

    public EndpointReference PrimaryEndpoint => new(this, PrimaryEndpointName);

    public ParameterResource PasswordParameter { get; } = password;

    /// <summary>The port the server listens on, chosen when the AppHost starts.</summary>
    internal string Port => LoopbackEndpoint.PortText(this, PrimaryEndpointName);

    public ReferenceExpression ConnectionStringExpression => ReferenceExpression.Create(
        $"Host={PrimaryEndpoint.Property(EndpointProperty.Host)};Port={PrimaryEndpoint.Property(EndpointProperty.Port)};Username=postgres;Password={PasswordParameter}");
}
