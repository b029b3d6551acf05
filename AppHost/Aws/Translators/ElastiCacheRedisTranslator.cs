using Amazon.CDK;
using Amazon.CDK.AWS.EC2;
using Amazon.CDK.AWS.ElastiCache;
using Amazon.CDK.AWS.SecretsManager;
using Aspire.Hosting;
using static Platform.AppHost.Aws.PolicySuppressions;

namespace Platform.AppHost.Aws.Translators;

/// <summary>
/// <see cref="ElastiCacheRedisResource"/> → an ElastiCache replication group: TLS in transit, KMS at rest, an AUTH token
/// generated into Secrets Manager, nodes and failover as the stage's profile says. Services that reference it may
/// connect on 6379.
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
        var authToken = new Secret(Stack, $"{id}AuthToken", new SecretProps
        {
            Description = $"{redis.Name}: the Redis AUTH token.",
            EncryptionKey = Stack.Key,
            // Letters and digits only: ElastiCache refuses some punctuation, and the token goes into connection strings.
            GenerateSecretString = new SecretStringGenerator { PasswordLength = 64, ExcludePunctuation = true, IncludeSpace = false },
            RemovalPolicy = RemovalPolicy.DESTROY,
        });
        Add(authToken, new Suppression("AwsSolutions-SMG4", "ElastiCache AUTH tokens rotate with ModifyReplicationGroup (AuthTokenUpdateStrategy), not a Secrets Manager rotation Lambda; rotate by updating the secret and redeploying (README)."));
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
            AuthToken = authToken.SecretValue.UnsafeUnwrap(),
            CacheSubnetGroupName = subnets.Ref,
            SecurityGroupIds = [securityGroup.SecurityGroupId],
            Port = RedisPort,
            AutoMinorVersionUpgrade = true,
            SnapshotRetentionLimit = Profile.CacheSnapshotDays,
        });
        group.AddDependency(subnets);
        var nag = new List<Suppression>
        {
            new("CT.ELASTICACHE.PR.8", "Access is an AUTH token from Secrets Manager over TLS, one client identity for the platform's services; RBAC users and user groups would add identities nothing distinguishes."),
            new("AwsSolutions-AEC5", "The default port 6379: a non-default port is obscurity; the security group admits only the services that reference the cache."),
        };
        if (!Profile.MultiAz)
        {
            nag.Add(new("AwsSolutions-AEC3", "dev runs one node to stay cheap; prod is Multi-AZ with automatic failover."));
            nag.Add(new("AwsSolutions-AEC4", "dev runs one node to stay cheap; prod is Multi-AZ with automatic failover."));
            nag.Add(new("CT.ELASTICACHE.PR.3", "dev runs one node to stay cheap; prod is Multi-AZ with automatic failover."));
        }

        if (Profile.CacheSnapshotDays == 0)
        {
            nag.Add(new("AwsSolutions-AEC6", "dev keeps no snapshots: the cache holds nothing that cannot be rebuilt."));
        }

        Add(group, [.. nag]);
        Stack.Configuration.RegisterOutput(redis.Host, new PlainTaskValue(group.AttrPrimaryEndPointAddress));
        Stack.Configuration.RegisterOutput(redis.Port, new PlainTaskValue(group.AttrPrimaryEndPointPort));
        Stack.Configuration.RegisterOutput(redis.AuthToken, new SecretTaskValue(authToken, null));
        Stack.WatchCache(redis.Name, group, Profile.CacheNodes);
    }
}
