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
    public static IResourceBuilder<IResourceWithConnectionString> AddPlatformRedis(this IDistributedApplicationBuilder builder, [ResourceName] string name) =>
        LocalRuntime.ChooseServerForm<IResourceBuilder<IResourceWithConnectionString>>(builder,
            aws: () => builder.AddResource(new ElastiCacheRedisResource(name)).PublishAsElastiCacheRedis(),
            container: () => builder.AddRedis(name),
            process: () => builder.AddRedisProcess(name));

    private static IResourceBuilder<RedisProcessResource> AddRedisProcess(this IDistributedApplicationBuilder builder, string name)
    {
        var redisServer = LocalProcesses.RequireOnPath("redis-server", "redis-server");
        var dataRoot = LocalProcesses.DataDirectory(builder);
        // Made (or read) when the AppHost starts and first asks for it, never while the model is built.
        var passwordValue = new Lazy<string>(() => LocalProcesses.PersistentSecret(Path.Combine(dataRoot, "redis.password")));
        var password = builder.AddParameter($"{name}-password", () => passwordValue.Value, secret: true);
        var configFile = Path.Combine(dataRoot, "redis.conf");
        var resource = new RedisProcessResource(name, redisServer, dataRoot, password.Resource);

        var key = $"{name}_check";
        builder.Services.AddHealthChecks().AddRedis(
            _ => $"127.0.0.1:{resource.Port},password={passwordValue.Value},abortConnect=false,connectTimeout=2000", name: key);

        return builder.AddResource(resource)
            .WithLoopbackEndpoint(RedisProcessResource.PrimaryEndpointName, "redis")
            .WithArgs(configFile)
            .OnBeforeResourceStarted((r, _, ct) => WriteConfigurationAsync(configFile, r.Port, passwordValue.Value, Path.Combine(dataRoot, "redis"), ct))
            .WithIconName("Memory")
            .WithHealthCheck(key);
    }

    /// <summary>
    /// Writes redis.conf on every start (its port is chosen at start). The password goes in this file, not on the command
    /// line where every local user could read it.
    /// </summary>
    private static async Task WriteConfigurationAsync(string configFile, string port, string password, string redisDirectory, CancellationToken ct)
    {
        Directory.CreateDirectory(redisDirectory);
        await File.WriteAllLinesAsync(configFile,
        [
            "bind 127.0.0.1",
            $"port {port}",
            "protected-mode yes",
            $"requirepass {password}",
            // Sessions and the Data Protection keys live here: a restart of Redis (a crash, the next eng/run.sh) must not
            // sign everyone out or make their cookies unreadable, so Redis keeps an append-only file in .data/redis, as
            // ElastiCache keeps its data on a replica. At most the last second of writes is lost on a crash.
            "save \"\"",
            "appendonly yes",
            "appendfsync everysec",
            $"dir {redisDirectory}",
        ], ct);
        LocalProcesses.RestrictToOwner(configFile);
    }
}
