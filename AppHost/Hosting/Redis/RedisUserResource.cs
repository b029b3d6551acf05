using Aspire.Hosting.ApplicationModel;

namespace Aspire.Hosting;

/// <summary>
/// One service's Redis user on a Redis server (<see cref="RedisHosting.AddServiceUser"/>): a child of the server whose
/// connection string logs in as that user, with the rights <see cref="Access"/> gives it. A service references its own
/// user (<c>.WithReference(redis.AddServiceUser(…))</c>) and receives it as <c>ConnectionStrings:{server}</c>, the same
/// key it would get from the server itself, so service code is the same whoever it logs in as.
/// </summary>
public sealed class RedisUserResource : Resource, IResourceWithParent, IResourceWithConnectionString
{
    internal RedisUserResource(string name, IResourceWithConnectionString server, RedisAccess access,
        Func<RedisUserResource, ReferenceExpression> connectionString, Func<RedisUserResource, object> password, bool passwordInConnectionString)
        : base(name)
    {
        Parent = server;
        Access = access;
        Password = password(this);
        PasswordInConnectionString = passwordInConnectionString;
        ConnectionStringExpression = connectionString(this);
    }

    /// <summary>The Redis server the user is defined on.</summary>
    public IResource Parent { get; }

    public RedisAccess Access { get; }

    /// <summary>
    /// The user's password: a generated parameter locally (its SHA-256 goes into the server's ACL file), an output of
    /// the stack in AWS (the user's secret in Secrets Manager).
    /// </summary>
    public object Password { get; }

    /// <summary>
    /// Locally the connection string carries the password. In AWS it does not: the password reaches the task as an ECS
    /// secret of its own (from the user's secret, read when the task starts), under StackExchange.Redis's
    /// configuration key (<see cref="RedisHosting.PasswordConfigurationKey"/>), so a rotated password needs no new
    /// deployment of the connection string and is never written into another secret.
    /// </summary>
    public bool PasswordInConnectionString { get; }

    public ReferenceExpression ConnectionStringExpression { get; }
}
