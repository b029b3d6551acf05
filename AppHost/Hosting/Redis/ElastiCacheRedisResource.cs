using Aspire.Hosting.ApplicationModel;

namespace Aspire.Hosting;

/// <summary>
/// The AWS form of <c>redis</c> in the published model: an ElastiCache for Redis replication group with TLS in transit and
/// role-based access control: each service logs in as its own ElastiCache user (<see cref="Users"/>, added by
/// <see cref="RedisHosting.AddServiceUser"/>), and the group's <c>default</c> user is switched off.
/// </summary>
public sealed class ElastiCacheRedisResource : Resource, IResourceWithConnectionString
{
    public ElastiCacheRedisResource(string name) : base(name)
    {
        Host = new(this, "Host");
        Port = new(this, "Port");
    }

    /// <summary>The primary endpoint's address (it follows a failover).</summary>
    public AwsResourceOutput Host { get; }

    public AwsResourceOutput Port { get; }

    /// <summary>The services' users, each with its own access string and password.</summary>
    public IList<RedisUserResource> Users { get; } = [];

    /// <summary>
    /// The server without credentials: whoever references the server itself rather than a user of it logs in as nobody
    /// (the <c>default</c> user is off), so no task can end up with every key by mistake.
    /// </summary>
    public ReferenceExpression ConnectionStringExpression =>
        ReferenceExpression.Create($"{Host}:{Port},ssl=true,abortConnect=false");

    IEnumerable<KeyValuePair<string, ReferenceExpression>> IResourceWithConnectionString.GetConnectionProperties()
    {
        yield return new("Host", ReferenceExpression.Create($"{Host}"));
        yield return new("Port", ReferenceExpression.Create($"{Port}"));
    }
}
