using Aspire.Hosting.ApplicationModel;

namespace Aspire.Hosting;

/// <summary>A database on a PostgreSQL server, reached through a connection string named after the resource.</summary>
public sealed class PostgresDatabase(string name, string databaseName, IResourceWithConnectionString server, bool readOnly)
    : Resource(name), IResourceWithConnectionString, IResourceWithWaitSupport, IResourceWithParent<IResourceWithConnectionString>
{
    public string DatabaseName { get; } = databaseName;

    /// <summary>True for a connection that maps to a read replica: every transaction on it is read-only.</summary>
    public bool ReadOnly { get; } = readOnly;

    /// <summary>The server (or, for a read-only connection, the primary database) this connection belongs to.</summary>
    public IResourceWithConnectionString Parent { get; } = server;

    public ReferenceExpression ConnectionStringExpression => this switch
    {
        // In AWS a read-only connection goes to the RDS read replica's own endpoint.
        { ReadOnly: true, Parent: PostgresDatabase { Parent: RdsPostgresResource rds } } => ReferenceExpression.Create(
            $"{rds.ReplicaConnectionStringExpression};Database={DatabaseName};Options={PostgresHosting.ReadOnlyOptions}"),
        { ReadOnly: true } => ReferenceExpression.Create($"{Parent.ConnectionStringExpression};Options={PostgresHosting.ReadOnlyOptions}"),
        _ => ReferenceExpression.Create($"{Parent.ConnectionStringExpression};Database={DatabaseName}"),
    };
}
