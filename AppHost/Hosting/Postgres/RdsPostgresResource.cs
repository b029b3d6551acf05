using Aspire.Hosting.ApplicationModel;

namespace Aspire.Hosting;

/// <summary>
/// The AWS form of <c>postgres-server</c> in the published model: an RDS for PostgreSQL instance (and a read replica for
/// each read-only connection) that the CDK translation creates. Its values are outputs of the stack; the password is a
/// field of the Secrets Manager secret RDS generates, so the connection string only ever exists in Secrets Manager.
/// </summary>
public sealed class RdsPostgresResource : Resource, IResourceWithConnectionString
{
    public RdsPostgresResource(string name) : base(name)
    {
        Host = new(this, "Host");
        Port = new(this, "Port");
        Username = new(this, "Username");
        Password = new(this, "Password");
        ReplicaHost = new(this, "ReplicaHost");
    }

    public AwsResourceOutput Host { get; }

    public AwsResourceOutput Port { get; }

    public AwsResourceOutput Username { get; }

    /// <summary>A secret value: the translation maps it to the generated credentials' <c>password</c> field.</summary>
    public AwsResourceOutput Password { get; }

    /// <summary>The read replica's endpoint address.</summary>
    public AwsResourceOutput ReplicaHost { get; }

    // TLS is required by RDS for PostgreSQL 15+ (rds.force_ssl); Npgsql's Require encrypts without a CA bundle in the image.
    public ReferenceExpression ConnectionStringExpression =>
        ReferenceExpression.Create($"Host={Host};Port={Port};Username={Username};Password={Password};SSL Mode=Require");

    public ReferenceExpression ReplicaConnectionStringExpression =>
        ReferenceExpression.Create($"Host={ReplicaHost};Port={Port};Username={Username};Password={Password};SSL Mode=Require");
}
