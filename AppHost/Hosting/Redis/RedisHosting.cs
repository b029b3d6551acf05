using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;
using Platform.AppHost.Aws.Translators;
using Platform.AppHost.Hosting;

namespace Aspire.Hosting;

/// <summary>
/// <c>redis</c>: the cache and session store. Locally Aspire's Redis container or Debian's redis-server as a process;
/// in AWS an ElastiCache replication group. Services never log in as the server's administrator: each references a user
/// of its own (<see cref="AddServiceUser"/>) and receives it as <c>ConnectionStrings:{name}</c> either way.
/// </summary>
public static class RedisHosting
{
    /// <summary>Where, in the Redis container, the ACL file the AppHost writes is mounted.</summary>
    private const string ContainerAclDirectory = "/usr/local/etc/redis/acl";

    private const string AclFileName = "redis-users.acl";

    /// <summary>
    /// StackExchange.Redis's password, as Aspire's Redis client reads it for the connection <paramref name="connectionName"/>
    /// (it overrides the connection string's): how the password reaches a service in AWS.
    /// </summary>
    public static string PasswordConfigurationKey(string connectionName) =>
        $"Aspire__StackExchange__Redis__{connectionName}__ConfigurationOptions__Password";

    public static IResourceBuilder<IResourceWithConnectionString> AddPlatformRedis(this IDistributedApplicationBuilder builder, [ResourceName] string name) =>
        LocalRuntime.ChooseServerForm<IResourceBuilder<IResourceWithConnectionString>>(builder,
            aws: () => builder.AddResource(new ElastiCacheRedisResource(name)).PublishAsElastiCacheRedis(),
            container: () => builder.AddRedisContainer(name),
            process: () => builder.AddRedisProcess(name));

    /// <summary>
    /// A Redis user for one service, with exactly the keys and commands <paramref name="access"/> names. Locally the
    /// AppHost generates its password (kept in <c>.data/</c>, mode 600) and writes the user into the server's ACL file
    /// at each start; in AWS it is an ElastiCache user in the replication group's user group, its password in Secrets
    /// Manager. Reference it from the one service it is for: <c>.WithReference(redis.AddServiceUser(…))</c>.
    /// </summary>
    public static IResourceBuilder<RedisUserResource> AddServiceUser(this IResourceBuilder<IResourceWithConnectionString> redis, RedisAccess access)
    {
        var builder = redis.ApplicationBuilder;
        var server = redis.Resource;
        var name = $"{server.Name}-{access.UserName}";
        var user = server switch
        {
            ElastiCacheRedisResource cache => new RedisUserResource(name, cache, access,
                u => ReferenceExpression.Create($"{cache.Host}:{cache.Port},ssl=true,abortConnect=false,user={access.UserName}"),
                u => new AwsResourceOutput(u, "Password"),
                passwordInConnectionString: false),
            LocalServerResource process => new RedisUserResource(name, server, access,
                u => ReferenceExpression.Create($"{process.PrimaryEndpoint.Property(EndpointProperty.HostAndPort)},user={access.UserName},password={(ParameterResource)u.Password}"),
                _ => LocalPassword(builder, name),
                passwordInConnectionString: true),
            RedisResource container => new RedisUserResource(name, server, access,
                u => ReferenceExpression.Create($"{container.PrimaryEndpoint.Property(EndpointProperty.HostAndPort)},user={access.UserName},password={(ParameterResource)u.Password}"),
                _ => LocalPassword(builder, name),
                passwordInConnectionString: true),
            _ => throw new InvalidOperationException($"'{server.Name}' is not a Redis server of the platform ({server.GetType().Name})."),
        };

        if (server is ElastiCacheRedisResource elastiCache)
        {
            elastiCache.Users.Add(user);
        }

        var resource = builder.AddResource(user).WithParentRelationship(server).WithIconName("Person");
        if (builder.ExecutionContext.IsRunMode)
        {
            // Nothing to start: the user exists once the server has read its ACL file, which the services wait for anyway.
            resource
                .WithInitialState(new CustomResourceSnapshot
                {
                    ResourceType = "RedisUser",
                    State = KnownResourceStates.NotStarted,
                    Properties = [new("redis.user", access.UserName), new("redis.access", access.AccessString)],
                })
                .OnInitializeResource(async (r, e, ct) =>
                {
                    await e.Notifications.PublishUpdateAsync(r, s => s with { State = KnownResourceStates.Running });
                    await e.Eventing.PublishAsync(new ConnectionStringAvailableEvent(r, e.Services), ct);
                });
        }

        return resource;
    }

    /// <summary>
    /// Gives the service its own Redis user as <c>ConnectionStrings:{server}</c> (and, in AWS, the user's password as an
    /// ECS secret of its own, see <see cref="RedisUserResource.PasswordInConnectionString"/>).
    /// </summary>
    public static IResourceBuilder<T> WithReference<T>(this IResourceBuilder<T> service, IResourceBuilder<RedisUserResource> user)
        where T : IResourceWithEnvironment
    {
        var connectionName = user.Resource.Parent.Name;
        service.WithReference((IResourceBuilder<IResourceWithConnectionString>)user, connectionName);
        if (!user.Resource.PasswordInConnectionString)
        {
            service.WithEnvironment(context => context.EnvironmentVariables[PasswordConfigurationKey(connectionName)] = user.Resource.Password);
        }

        return service;
    }

    /// <summary>A user's generated password, made (or read) when the AppHost starts and first asks for it.</summary>
    private static ParameterResource LocalPassword(IDistributedApplicationBuilder builder, string name)
    {
        var path = Path.Combine(LocalProcesses.DataDirectory(builder), $"{name}.password");
        var value = new Lazy<string>(() => LocalProcesses.PersistentSecret(path));
        return builder.AddParameter($"{name}-password", () => value.Value, secret: true).Resource;
    }

    /// <summary>Aspire's Redis container, with the same users as the process form (its ACL file mounted read-only).</summary>
    private static IResourceBuilder<RedisResource> AddRedisContainer(this IDistributedApplicationBuilder builder, string name)
    {
        var aclDirectory = Path.Combine(LocalProcesses.DataDirectory(builder), "redis-acl");
        var redis = builder.AddRedis(name);
        return redis
            .WithBindMount(aclDirectory, ContainerAclDirectory, isReadOnly: true)
            // After Aspire's own arguments (redis-server --requirepass …): the ACL file replaces every user, the
            // administrator ('default', with the same generated password) included.
            .WithArgs($"--aclfile", $"{ContainerAclDirectory}/{AclFileName}")
            .OnBeforeResourceStarted(async (r, _, ct) =>
            {
                Directory.CreateDirectory(aclDirectory);
                var password = await r.PasswordParameter!.GetValueAsync(ct) ?? throw new InvalidOperationException($"'{name}' has no password.");
                await WriteAclFileAsync(Path.Combine(aclDirectory, AclFileName), password, UsersOf(builder, r), ct);
            });
    }

    private static IResourceBuilder<RedisProcessResource> AddRedisProcess(this IDistributedApplicationBuilder builder, string name)
    {
        var redisServer = LocalProcesses.RequireOnPath("redis-server", "redis-server");
        var dataRoot = LocalProcesses.DataDirectory(builder);
        // Made (or read) when the AppHost starts and first asks for it, never while the model is built.
        var passwordValue = new Lazy<string>(() => LocalProcesses.PersistentSecret(Path.Combine(dataRoot, "redis.password")));
        var password = builder.AddParameter($"{name}-password", () => passwordValue.Value, secret: true);
        var configFile = Path.Combine(dataRoot, "redis.conf");
        var aclFile = Path.Combine(dataRoot, AclFileName);
        var resource = new RedisProcessResource(name, redisServer, dataRoot, password.Resource);

        var key = $"{name}_check";
        // abortConnect=true: a check made before the server listens fails at once and the next one connects anew.
        // With abortConnect=false the check keeps that first, unconnected multiplexer, which retries only on its own
        // heartbeat: Redis was seen healthy about 1.5 s after it answered, and everything waiting for it started late.
        builder.Services.AddHealthChecks().AddRedis(
            _ => $"127.0.0.1:{resource.Port},password={passwordValue.Value},abortConnect=true,connectTimeout=1000", name: key);

        return builder.AddResource(resource)
            .WithLoopbackEndpoint(RedisProcessResource.PrimaryEndpointName, "redis")
            .WithArgs(configFile)
            .OnBeforeResourceStarted(async (r, _, ct) =>
            {
                await WriteAclFileAsync(aclFile, passwordValue.Value, UsersOf(builder, r), ct);
                await WriteConfigurationAsync(configFile, r.Port, aclFile, Path.Combine(dataRoot, "redis"), ct);
            })
            .WithIconName("Memory")
            .WithHealthCheck(key);
    }

    private static IEnumerable<RedisUserResource> UsersOf(IDistributedApplicationBuilder builder, IResource server) =>
        builder.Resources.OfType<RedisUserResource>().Where(u => u.Parent == server);

    /// <summary>
    /// Writes the server's users on every start, so a user added to the model (or a changed right) takes effect with the
    /// next start. <c>default</c> is the administrator, for the AppHost's health check and a developer's redis-cli, with
    /// the server's generated password: nobody gets in without a password. Each service's user follows with its own
    /// password and rights. Passwords appear only as SHA-256 hashes, and the file is created readable by its owner only.
    /// </summary>
    private static async Task WriteAclFileAsync(string aclFile, string administratorPassword, IEnumerable<RedisUserResource> users, CancellationToken ct)
    {
        var lines = new List<string> { $"user default reset {RedisAccess.PasswordHash(administratorPassword)} on ~* &* +@all" };
        foreach (var user in users.OrderBy(u => u.Access.UserName, StringComparer.Ordinal))
        {
            var password = await ((ParameterResource)user.Password).GetValueAsync(ct)
                ?? throw new InvalidOperationException($"The Redis user '{user.Access.UserName}' has no password.");
            lines.Add(user.Access.AclFileLine(password));
        }

        await WriteOwnerOnlyAsync(aclFile, lines, ct);
    }

    /// <summary>
    /// Writes redis.conf on every start (its port is chosen at start). No password is in it, nor on the command line where
    /// every local user could read it: the users and their password hashes are in the ACL file it names.
    /// </summary>
    private static Task WriteConfigurationAsync(string configFile, string port, string aclFile, string redisDirectory, CancellationToken ct)
    {
        Directory.CreateDirectory(redisDirectory);
        return WriteOwnerOnlyAsync(configFile,
        [
            "bind 127.0.0.1",
            $"port {port}",
            "protected-mode yes",
            $"aclfile {aclFile}",
            // Sessions and the Data Protection keys live here: a restart of Redis (a crash, the next eng/run.sh) must not
            // sign everyone out or make their cookies unreadable, so Redis keeps an append-only file in .data/redis, as
            // ElastiCache keeps its data on a replica. At most the last second of writes is lost on a crash.
            "save \"\"",
            "appendonly yes",
            "appendfsync everysec",
            $"dir {redisDirectory}",
        ], ct);
    }

    /// <summary>A file created with mode 600 (no moment in which another local user could open it), replaced whole.</summary>
    private static async Task WriteOwnerOnlyAsync(string path, IEnumerable<string> lines, CancellationToken ct)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temporary = $"{path}.{Environment.ProcessId}.tmp";
        await using (var stream = LocalProcesses.CreateOwnerOnly(temporary))
        await using (var writer = new StreamWriter(stream))
        {
            foreach (var line in lines)
            {
                await writer.WriteLineAsync(line.AsMemory(), ct);
            }
        }

        // A file left by an older version may be more open: the rename replaces it, mode and all.
        File.Move(temporary, path, overwrite: true);
    }
}
