using Amazon.CDK;
using Amazon.CDK.AWS.CloudWatch;
using Amazon.CDK.AWS.EC2;
using Amazon.CDK.AWS.RDS;
using Aspire.Hosting;
using static Platform.AppHost.Aws.PolicySuppressions;

namespace Platform.AppHost.Aws.Translators;

/// <summary>
/// <see cref="RdsPostgresResource"/> → an RDS PostgreSQL instance (KMS, generated master secret in Secrets Manager,
/// backups, enhanced monitoring, Multi-AZ and deletion protection as the stage's profile says) with its one database,
/// and a read replica when the model has a read-only connection to it. Services that reference it may connect on
/// <see cref="DatabasePort"/>; the outputs are the connection string's parts.
/// </summary>
public sealed class RdsPostgresTranslator(PlatformStack stack) : AwsResourceTranslator<RdsPostgresResource>(stack)
{
    /// <summary>Not PostgreSQL's well-known 5432: scanners for it find nothing (Control Tower CT.RDS.PR.20, cdk-nag RDS11).</summary>
    public const int DatabasePort = 5433;

    /// <summary>
    /// The PostgreSQL major version, the one place it is chosen. Major only: RDS creates the instance with that major's
    /// current default minor version, and <c>AutoMinorVersionUpgrade</c> keeps it current, so a first deploy never names
    /// a minor RDS has stopped offering (as 16.4 was). The rule engine-versions checks it against the versions RDS
    /// offers (eng/aws/checks/engine-versions.json; README, "Engine versions", says how to refresh that list).
    /// </summary>
    public const string PostgresMajorVersion = "17";

    private readonly Dictionary<RdsPostgresResource, SecurityGroup> _securityGroups = [];

    public override void Translate(IReadOnlyList<RdsPostgresResource> resources)
    {
        foreach (var server in resources)
        {
            TranslateServer(server);
        }
    }

    public override AwsIngress? IngressFor(RdsPostgresResource resource) => new(_securityGroups[resource], DatabasePort);

    private void TranslateServer(RdsPostgresResource server)
    {
        var databases = Stack.Model.Resources.OfType<PostgresDatabase>().Where(d => d.Parent == server).ToList();
        var primary = databases.Count == 1
            ? databases[0]
            : throw new InvalidOperationException($"The RDS instance '{server.Name}' needs exactly one database; the model has {databases.Count}.");
        var readOnly = Stack.Model.Resources.OfType<PostgresDatabase>().Any(d => d.ReadOnly && d.Parent == primary);
        var id = ServiceConfiguration.Sanitize(server.Name);

        var securityGroup = new SecurityGroup(Stack, $"{id}SecurityGroup", new SecurityGroupProps
        {
            Vpc = Stack.Network,
            Description = $"{server.Name}: PostgreSQL from the services that reference it, nothing else.",
            AllowAllOutbound = false,
        });
        _securityGroups[server] = securityGroup;
        const string username = "platform_admin";
        var instanceType = new Amazon.CDK.AWS.EC2.InstanceType(Profile.DatabaseInstanceType);
        var instance = new DatabaseInstance(Stack, id, new DatabaseInstanceProps
        {
            Engine = DatabaseInstanceEngine.Postgres(new PostgresInstanceEngineProps { Version = PostgresEngineVersion.Of(PostgresMajorVersion, PostgresMajorVersion) }),
            InstanceType = instanceType,
            Vpc = Stack.Network,
            VpcSubnets = Stack.DataSubnets,
            SecurityGroups = [securityGroup],
            // Connection strings are assembled from this secret's fields, so none of its characters may need quoting.
            Credentials = Credentials.FromGeneratedSecret(username, new CredentialsBaseOptions
            {
                EncryptionKey = Stack.Key,
                ExcludeCharacters = " %+~`#$&*()|[]{}:;<>?!'/@\"\\=,^.",
            }),
            DatabaseName = primary.DatabaseName,
            MultiAz = Profile.MultiAz,
            StorageEncrypted = true,
            StorageEncryptionKey = Stack.Key,
            StorageType = StorageType.GP3,
            AllocatedStorage = Profile.DatabaseStorageGiB,
            MaxAllocatedStorage = Profile.DatabaseMaxStorageGiB,
            BackupRetention = Duration.Days(Profile.DatabaseBackupDays),
            Port = DatabasePort,
            MonitoringInterval = Duration.Seconds(60),
            DeletionProtection = Profile.DeletionProtection,
            RemovalPolicy = Profile.RetainDataOnDelete ? RemovalPolicy.SNAPSHOT : RemovalPolicy.DESTROY,
            AutoMinorVersionUpgrade = true,
            IamAuthentication = true,
            EnablePerformanceInsights = true,
            PerformanceInsightEncryptionKey = Stack.Key,
            CloudwatchLogsExports = ["postgresql", "upgrade"],
            CopyTagsToSnapshot = true,
            PubliclyAccessible = false,
        });
        var nag = new List<Suppression>
        {
            new("AwsSolutions-IAM4", "The enhanced-monitoring role uses AWS's AmazonRDSEnhancedMonitoringRole managed policy, which only writes RDS OS metrics to CloudWatch Logs."),
            new("AwsSolutions-SMG4", "The generated master secret is not rotated by a Lambda: the services' connection-string secrets are assembled from it at deployment; rotate by updating the secret and redeploying (README)."),
        };
        if (!Profile.MultiAz)
        {
            nag.Add(new("AwsSolutions-RDS3", "dev is single-AZ to stay cheap; prod is Multi-AZ."));
            nag.Add(new("CT.RDS.PR.1", "dev is single-AZ to stay cheap; prod is Multi-AZ."));
        }

        if (!Profile.DeletionProtection)
        {
            nag.Add(new("AwsSolutions-RDS10", "dev is destroyable by design; prod has deletion protection."));
            nag.Add(new("CT.RDS.PR.13", "dev is destroyable by design; prod has deletion protection."));
        }

        Add(instance, [.. nag]);
        Stack.Configuration.RegisterOutput(server.Host, new PlainTaskValue(instance.DbInstanceEndpointAddress));
        Stack.Configuration.RegisterOutput(server.Port, new PlainTaskValue(instance.DbInstanceEndpointPort));
        Stack.Configuration.RegisterOutput(server.Username, new PlainTaskValue(username));
        Stack.Configuration.RegisterOutput(server.Password, new SecretTaskValue(instance.Secret!, "password"));

        Stack.Watch(instance.MetricDatabaseConnections(new Amazon.CDK.AWS.CloudWatch.MetricOptions { Period = Duration.Minutes(5) }), $"{server.Name} connections",
            ComparisonOperator.GREATER_THAN_THRESHOLD, Profile.DatabaseConnectionsAlarm, "Database connections near the instance's limit.");
        Stack.Watch(instance.MetricFreeStorageSpace(new Amazon.CDK.AWS.CloudWatch.MetricOptions { Period = Duration.Minutes(5) }), $"{server.Name} free storage",
            ComparisonOperator.LESS_THAN_THRESHOLD, Profile.DatabaseFreeStorageAlarmGiB * 1024 * 1024 * 1024, "Less free storage than autoscaling can absorb.");
        Stack.Watch(instance.MetricCPUUtilization(new Amazon.CDK.AWS.CloudWatch.MetricOptions { Period = Duration.Minutes(5) }), $"{server.Name} CPU",
            ComparisonOperator.GREATER_THAN_THRESHOLD, 80, "Database CPU above 80 %.");

        if (!readOnly)
        {
            return;
        }

        var replica = new DatabaseInstanceReadReplica(Stack, $"{id}Replica", new DatabaseInstanceReadReplicaProps
        {
            SourceDatabaseInstance = instance,
            InstanceType = instanceType,
            Port = DatabasePort,
            StorageType = StorageType.GP3,
            Vpc = Stack.Network,
            VpcSubnets = Stack.DataSubnets,
            SecurityGroups = [securityGroup],
            StorageEncrypted = true,
            StorageEncryptionKey = Stack.Key,
            AutoMinorVersionUpgrade = true,
            DeletionProtection = Profile.DeletionProtection,
            RemovalPolicy = RemovalPolicy.DESTROY,
            EnablePerformanceInsights = true,
            PerformanceInsightEncryptionKey = Stack.Key,
            CloudwatchLogsExports = ["postgresql", "upgrade"],
            PubliclyAccessible = false,
        });
        Add(replica,
            new("AwsSolutions-RDS11", "Its port is 5433 like the primary's; a replica inherits its engine, which the rule needs to see and cannot."),
            new("AwsSolutions-RDS3", "A read replica scales reads; the primary is the Multi-AZ one (prod), and a failed replica is replaced from it."),
            new("AwsSolutions-RDS10", Profile.DeletionProtection ? "Deletion protection is on in prod." : "dev is destroyable by design."),
            new("AwsSolutions-RDS13", "Backups are taken on the primary; a replica is rebuilt from it."));
        Stack.Configuration.RegisterOutput(server.ReplicaHost, new PlainTaskValue(replica.DbInstanceEndpointAddress));
        Stack.WatchReplica(server.Name, replica, Profile.DatabaseFreeStorageAlarmGiB * 1024 * 1024 * 1024);
    }
}
