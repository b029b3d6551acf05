using Amazon.CDK;
using Amazon.CDK.AWS.EC2;
using Amazon.CDK.AWS.ElastiCache;
using Amazon.CDK.AWS.SecretsManager;
using Aspire.Hosting;
using static Platform.AppHost.Aws.PolicySuppressions;

namespace Platform.AppHost.Aws.Translators;

/// <summary>
/// <see cref="ElastiCacheRedisResource"/> → an ElastiCache replication group: TLS in transit, KMS at rest, role-based
/// access control (a user group with one user per service, each with its own access string and a password generated into
/// Secrets Manager; the <c>default</c> user off), nodes and failover as the stage's profile says. Services that reference
/// it may connect on 6379.
/// </summary>
public sealed class ElastiCacheRedisTranslator(PlatformStack stack) : AwsResourceTranslator<ElastiCacheRedisResource>(stack)
{
    public const string EngineVersion = "7.1";

    private const int RedisPort = 6379;

    private readonly Dictionary<ElastiCacheRedisResource, SecurityGroup> _securityGroups = [];

    public override void Translate(IReadOnlyList<ElastiCacheRedisResource> resources)
    {
        foreach (var redis in resources)
        {
            TranslateCache(redis);
        }
    }

    public override AwsIngress? IngressFor(ElastiCacheRedisResource resource) => new(_securityGroups[resource], RedisPort);

    private void TranslateCache(ElastiCacheRedisResource redis)
    {
        var id = ServiceConfiguration.Sanitize(redis.Name);
        var securityGroup = new SecurityGroup(Stack, $"{id}SecurityGroup", new SecurityGroupProps
        {
            Vpc = Stack.Network,
            Description = $"{redis.Name}: Redis from the services that reference it, nothing else.",
            AllowAllOutbound = false,
        });
        _securityGroups[redis] = securityGroup;
        var subnets = new CfnSubnetGroup(Stack, $"{id}Subnets", new CfnSubnetGroupProps
        {
            Description = $"{redis.Name}: the isolated data subnets.",
            SubnetIds = Stack.Network.SelectSubnets(Stack.DataSubnets).SubnetIds,
        });
        var userGroup = TranslateUsers(redis, id);
        var group = new CfnReplicationGroup(Stack, id, new CfnReplicationGroupProps
        {
            ReplicationGroupDescription = $"Platform {Stack.Settings.StageName} {redis.Name}: cache, sessions, Data Protection keys.",
            Engine = "redis",
            EngineVersion = EngineVersion,
            CacheNodeType = Profile.CacheNodeType,
            // A primary and replicas in other zones with automatic failover, or one node.
            NumCacheClusters = Profile.CacheNodes,
            MultiAzEnabled = Profile.MultiAz,
            AutomaticFailoverEnabled = Profile.MultiAz,
            TransitEncryptionEnabled = true,
            AtRestEncryptionEnabled = true,
            KmsKeyId = Stack.Key.KeyArn,
            // Role-based access control instead of one AUTH token: each service logs in as its own user.
            UserGroupIds = [userGroup.Ref],
            CacheSubnetGroupName = subnets.Ref,
            SecurityGroupIds = [securityGroup.SecurityGroupId],
            Port = RedisPort,
            AutoMinorVersionUpgrade = true,
            SnapshotRetentionLimit = Profile.CacheSnapshotDays,
        });
        group.AddDependency(subnets);
        var nag = new List<Suppression>
        {
            new("AwsSolutions-AEC5", "The default port 6379: a non-default port is obscurity; the security group admits only the services that reference the cache."),
            new("AwsSolutions-AEC6", "Role-based access control (UserGroupIds) instead of one shared AUTH token: each service logs in as its own ElastiCache user with its own password, and the default user is switched off."),
        };
        if (!Profile.MultiAz)
        {
            nag.Add(new("AwsSolutions-AEC3", "dev runs one node to stay cheap; prod is Multi-AZ with automatic failover."));
            nag.Add(new("AwsSolutions-AEC4", "dev runs one node to stay cheap; prod is Multi-AZ with automatic failover."));
            nag.Add(new("CT.ELASTICACHE.PR.3", "dev runs one node to stay cheap; prod is Multi-AZ with automatic failover."));
        }

        Add(group, [.. nag]);
        Stack.Configuration.RegisterOutput(redis.Host, new PlainTaskValue(group.AttrPrimaryEndPointAddress));
        Stack.Configuration.RegisterOutput(redis.Port, new PlainTaskValue(group.AttrPrimaryEndPointPort));
        Stack.WatchCache(redis.Name, group, Profile.CacheNodes);
    }

    /// <summary>
    /// One ElastiCache user per service user of the model, with the model's access string and a password generated into
    /// Secrets Manager (the task receives it as an ECS secret, read when the task starts), plus the <c>default</c> user
    /// every user group must contain, switched off. ElastiCache user ids are account-wide, so they carry the stage.
    /// </summary>
    private CfnUserGroup TranslateUsers(ElastiCacheRedisResource redis, string id)
    {
        var prefix = $"platform-{Stack.Settings.StageName}-{redis.Name}".ToLowerInvariant();
        var defaultUser = NewUser(redis, id, prefix, "default", "off -@all",
            "The group's required 'default' user, switched off: no task or person logs in as it. Its password is never given out.");
        var users = new List<CfnUser> { defaultUser.User };
        foreach (var service in redis.Users.OrderBy(u => u.Access.UserName, StringComparer.Ordinal))
        {
            var (user, password) = NewUser(redis, id, prefix, service.Access.UserName, service.Access.AccessString,
                $"The Redis user '{service.Access.UserName}' ({service.Name}); its password reaches only that service's task.");
            users.Add(user);
            Stack.Configuration.RegisterOutput((AwsResourceOutput)service.Password, new SecretTaskValue(password, "password"));
        }

        return new CfnUserGroup(Stack, $"{id}Users", new CfnUserGroupProps
        {
            UserGroupId = prefix,
            Engine = "redis",
            UserIds = [.. users.Select(u => u.Ref)],
        });
    }

    private (CfnUser User, Secret Password) NewUser(ElastiCacheRedisResource redis, string id, string prefix, string userName, string accessString, string description)
    {
        var construct = $"{id}{ServiceConfiguration.Sanitize(userName)}";
        var password = new Secret(Stack, $"{construct}Password", new SecretProps
        {
            Description = $"{redis.Name}: {description}",
            EncryptionKey = Stack.Key,
            // Letters and digits only: ElastiCache refuses some punctuation in passwords (16–128 characters).
            GenerateSecretString = new SecretStringGenerator
            {
                SecretStringTemplate = $$"""{"username":"{{userName}}"}""",
                GenerateStringKey = "password",
                PasswordLength = 64,
                ExcludePunctuation = true,
                IncludeSpace = false,
            },
            RemovalPolicy = RemovalPolicy.DESTROY,
        });
        Add(password, new Suppression("AwsSolutions-SMG4",
            "ElastiCache user passwords rotate by giving the user a second password, then dropping the first (docs/aws.md, Redis users and rotation); no Secrets Manager rotation Lambda for ElastiCache users is deployed."));
        var user = new CfnUser(Stack, $"{construct}User", new CfnUserProps
        {
            UserId = $"{prefix}-{userName}".ToLowerInvariant(),
            UserName = userName,
            Engine = "redis",
            AccessString = accessString,
            AuthenticationMode = new Dictionary<string, object>
            {
                ["Type"] = "password",
                ["Passwords"] = new[] { password.SecretValueFromJson("password").UnsafeUnwrap() },
            },
        });
        return (user, password);
    }
}
