using Aspire.Hosting.ApplicationModel;

namespace Aspire.Hosting;

/// <summary>
/// A connection to a database on a PostgreSQL server, reached through a connection string named after the resource.
/// With a <see cref="Role"/> it is that login role's connection, and carries nothing of the server's own user: the
/// address of the server, the role, its password (locally) and the database.
/// </summary>
public sealed class PostgresDatabase(string name, string databaseName, IResourceWithConnectionString server, bool readOnly)
    : Resource(name), IResourceWithConnectionString, IResourceWithWaitSupport, IResourceWithParent<IResourceWithConnectionString>
{
    public string DatabaseName { get; } = databaseName;

    /// <summary>True for a connection that maps to a read replica: every transaction on it is read-only.</summary>
    public bool ReadOnly { get; } = readOnly;

    /// <summary>The server (or, for a role's connection, the schema owner's connection) this connection belongs to.</summary>
    public IResourceWithConnectionString Parent { get; } = server;

    /// <summary>
    /// The login role this connection uses; null for the schema owner's connection on a server whose own user owns the
    /// schema (the RDS master user).
    /// </summary>
    public string? Role { get; init; }

    /// <summary>The role's generated password locally; null in AWS, where the role signs in with IAM tokens.</summary>
    public ParameterResource? Password { get; init; }

    /// <summary>The roles' connections that belong to this (the owner's) connection; their roles are provisioned with it.</summary>
    internal List<PostgresDatabase> Logins { get; } = [];

    /// <summary>The server, however many connections down.</summary>
    public IResourceWithConnectionString Server => Parent is PostgresDatabase owner ? owner.Server : Parent;

    public ReferenceExpression ConnectionStringExpression => this switch
    {
        // In AWS a role signs in with an IAM token (no password here); a read-only connection goes to the RDS read
        // replica's own endpoint. TLS is required by RDS for PostgreSQL 15+ (rds.force_ssl).
        { Server: RdsPostgresResource rds, Role: { } role } => ReferenceExpression.Create(
            $"Host={(ReadOnly ? rds.ReplicaHost : rds.Host)};Port={rds.Port};Username={role};SSL Mode=Require;Database={DatabaseName}{(ReadOnly ? $";Options={PostgresHosting.ReadOnlyOptions}" : "")}"),
        { Server: RdsPostgresResource rds, ReadOnly: true } => ReferenceExpression.Create(
            $"{rds.ReplicaConnectionStringExpression};Database={DatabaseName};Options={PostgresHosting.ReadOnlyOptions}"),
        { Role: { } role, Password: { } password, ReadOnly: true } => ReferenceExpression.Create(
            $"{PostgresHosting.AddressOf(Server)};Username={role};Password={password};Database={DatabaseName};Options={PostgresHosting.ReadOnlyOptions}"),
        { Role: { } role, Password: { } password } => ReferenceExpression.Create(
            $"{PostgresHosting.AddressOf(Server)};Username={role};Password={password};Database={DatabaseName}"),
        { ReadOnly: true } => ReferenceExpression.Create($"{Parent.ConnectionStringExpression};Options={PostgresHosting.ReadOnlyOptions}"),
        _ => ReferenceExpression.Create($"{Parent.ConnectionStringExpression};Database={DatabaseName}"),
    };
}
