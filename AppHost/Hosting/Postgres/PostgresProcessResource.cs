using Aspire.Hosting.ApplicationModel;

namespace Aspire.Hosting;

/// <summary>A PostgreSQL server run as a local process; its connection string has the same shape as Aspire's container.</summary>
public sealed class PostgresProcessResource(string name, string command, string workingDirectory, ParameterResource password)
    : LocalServerResource(name, command, workingDirectory, password), IResourceWithConnectionString
{
    public ReferenceExpression ConnectionStringExpression => ReferenceExpression.Create(
        $"Host={PrimaryEndpoint.Property(EndpointProperty.Host)};Port={PrimaryEndpoint.Property(EndpointProperty.Port)};Username=postgres;Password={PasswordParameter}");
}
