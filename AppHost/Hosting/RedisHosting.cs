using System.Globalization;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;
using Platform.AppHost.Aws.Translators;
using Platform.AppHost.Hosting;

namespace Aspire.Hosting;

/// <summary>
/// <c>redis</c>: the cache and session store. Locally Aspire's Redis container or Debian's redis-server as a process;
/// in AWS an ElastiCache replication group. Services receive <c>ConnectionStrings:{name}</c> either way.
/// </summary>
public static class RedisHosting
{
    public static IResourceBuilder<IResourceWithConnectionString> AddPlatformRedis(this IDistributedApplicationBuilder builder, [ResourceName] string name)
    {
        PlatformDefaults.Apply(builder);
        if (LocalRuntime.PublishesAwsStack(builder))
        {
            return builder.AddResource(new ElastiCacheRedisResource(name)).PublishAsElastiCacheRedis();
        }

        return LocalRuntime.For(builder).ServerKind switch
        {
            LocalRuntimeKind.Containers => builder.AddRedis(name),
            _ => builder.AddRedisProcess(name),
        };
    }

    private static IResourceBuilder<RedisProcessResource> AddRedisProcess(this IDistributedApplicationBuilder builder, string name)
    {
        var redisServer = LocalProcesses.RequireOnPath("redis-server", "redis-server");
        var dataRoot = LocalProcesses.DataDirectory(builder);
        var port = LocalProcesses.Port(builder, name);
        var passwordValue = LocalProcesses.PersistentSecret(Path.Combine(dataRoot, "redis.password"));
        var password = builder.AddParameter($"{name}-password", passwordValue, secret: true);

        var redisDirectory = Directory.CreateDirectory(Path.Combine(dataRoot, "redis")).FullName;

        // The password goes in a config file, not on the command line where every local user could read it.
        var configFile = Path.Combine(dataRoot, "redis.conf");
        File.WriteAllLines(configFile,
        [
            "bind 127.0.0.1",
            $"port {port.ToString(CultureInfo.InvariantCulture)}",
            "protected-mode yes",
            $"requirepass {passwordValue}",
            // Sessions and the Data Protection keys live here: a restart of Redis (a crash, the next eng/run.sh) must not
            // sign everyone out or make their cookies unreadable, so Redis keeps an append-only file in .data/redis, as
            // ElastiCache keeps its data on a replica. At most the last second of writes is lost on a crash.
            "save \"\"",
            "appendonly yes",
            "appendfsync everysec",
            $"dir {redisDirectory}",
        ]);
        LocalProcesses.RestrictToOwner(configFile);

        var key = $"{name}_check";
        builder.Services.AddHealthChecks().AddRedis($"127.0.0.1:{port},password={passwordValue},abortConnect=false,connectTimeout=2000", name: key);

        return builder.AddResource(new RedisProcessResource(name, redisServer, dataRoot, password.Resource))
            .WithEndpoint(RedisProcessResource.PrimaryEndpointName, e =>
            {
                e.Port = port;
                e.TargetPort = port;
                e.TargetHost = "127.0.0.1";
                e.IsProxied = false;
                e.UriScheme = "redis";
            })
            .WithArgs(configFile)
            .WithIconName("Memory")
            .WithHealthCheck(key);
    }
}

/// <summary>redis-server run as a local process; connection string and properties have the shape of Aspire's Redis container.</summary>
public sealed class RedisProcessResource(string name, string command, string workingDirectory, ParameterResource password)
    : ExecutableResource(name, command, workingDirectory), IResourceWithConnectionString
{
    internal const string PrimaryEndpointName = "tcp";

    public EndpointReference PrimaryEndpoint => new(this, PrimaryEndpointName);

    public ParameterResource PasswordParameter { get; } = password;

    private EndpointReferenceExpression Host => PrimaryEndpoint.Property(EndpointProperty.Host);

    private EndpointReferenceExpression Port => PrimaryEndpoint.Property(EndpointProperty.Port);

    public ReferenceExpression ConnectionStringExpression =>
        ReferenceExpression.Create($"{PrimaryEndpoint.Property(EndpointProperty.HostAndPort)},password={PasswordParameter}");

    IEnumerable<KeyValuePair<string, ReferenceExpression>> IResourceWithConnectionString.GetConnectionProperties()
    {
        yield return new("Host", ReferenceExpression.Create($"{Host}"));
        yield return new("Port", ReferenceExpression.Create($"{Port}"));
        yield return new("Password", ReferenceExpression.Create($"{PasswordParameter}"));
        yield return new("Uri", ReferenceExpression.Create($"redis://:{PasswordParameter:uri}@{Host}:{Port}"));
    }
}
