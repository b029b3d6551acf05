using Aspire.Hosting.ApplicationModel;

namespace Aspire.Hosting;

/// <summary>
/// The AWS form of <c>redis</c> in the published model: an ElastiCache for Redis replication group with an AUTH token from
/// Secrets Manager and TLS in transit. The connection string has the StackExchange.Redis shape the local forms have.
/// </summary>
public sealed class ElastiCacheRedisResource : Resource, IResourceWithConnectionString
{
    public ElastiCacheRedisResource(string name) : base(name)
    {
        Host = new(this, "Host");
        Port = new(this, "Port");
        AuthToken = new(this, "AuthToken");
    }

    /// <summary>The primary endpoint's address (it follows a failover).</summary>
    public AwsResourceOutput Host { get; }

    public AwsResourceOutput Port { get; }

    /// <summary>A secret value: the translation maps it to the AUTH token secret.</summary>
    public AwsResourceOutput AuthToken { get; }

    public ReferenceExpression ConnectionStringExpression =>
        ReferenceExpression.Create($"{Host}:{Port},password={AuthToken},ssl=true,abortConnect=false");

    IEnumerable<KeyValuePair<string, ReferenceExpression>> IResourceWithConnectionString.GetConnectionProperties()
    {
        yield return new("Host", ReferenceExpression.Create($"{Host}"));
        yield return new("Port", ReferenceExpression.Create($"{Port}"));
        yield return new("Password", ReferenceExpression.Create($"{AuthToken}"));
        yield return new("Uri", ReferenceExpression.Create($"rediss://:{AuthToken}@{Host}:{Port}"));
    }
}
