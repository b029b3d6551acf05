using Aspire.Hosting.ApplicationModel;

namespace Aspire.Hosting;

/// <summary>redis-server run as a local process; connection string and properties have the shape of Aspire's Redis container.</summary>
public sealed class RedisProcessResource(string name, string command, string workingDirectory, ParameterResource password)
    : LocalServerResource(name, command, workingDirectory, password), IResourceWithConnectionString
{
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
