using Amazon.CDK;
using Amazon.CDK.AWS.CloudWatch;
using Amazon.CDK.AWS.EC2;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.RDS;
using Amazon.CDK.AWS.SecretsManager;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using static Platform.AppHost.Aws.PolicySuppressions;

namespace Platform.AppHost.Aws.Translators;

/// <summary>
/// <see cref="RdsPostgresResource"/> → an RDS PostgreSQL instance (KMS, generated master secret in Secrets Manager,
/// backups, enhanced monitoring, Multi-AZ and deletion protection as the stage's profile says) with its one database,
/// and a read replica when the model has a read-only connection to it. Services that reference it may connect on
/// <see cref="DatabasePort"/>; the outputs are the connection string's parts.
/// </summary>
/// <remarks>
/// Credentials. The master user owns the schema and is used by the schema migration only (the Api migrates at start as
/// the owner; SchemaMigrationHosting.WithSchemaOwnerAtStart). Its password is generated into Secrets Manager and rotated
/// every <see cref="MasterRotationDays"/> days by Secrets Manager's hosted single-user rotation; it reaches the Api as
/// an ECS task secret (read when a task starts), never through a <c>{{resolve:secretsmanager}}</c> reference that
/// CloudFormation would resolve once and never again. The services sign in as roles of their own
/// (<c>platform_api</c>, <c>platform_worker</c>, <c>platform_reader</c>) with IAM database authentication: a token
/// signed with the task role's credentials, valid 15 minutes, made fresh for new connections. IAM authentication over
/// per-service secrets because nothing is stored that could leak or need rotating, and each task role's
/// <c>rds-db:connect</c> names exactly its own roles on exactly this instance (and the replica).
/// </remarks>
public sealed class RdsPostgresTranslator(PlatformStack stack) : AwsResourceTranslator<RdsPostgresResource>(stack)
{
    /// <summary>Not PostgreSQL's well-known 5432: scanners for it find nothing (Control Tower CT.RDS.PR.20, cdk-nag RDS11).</summary>
    public const int DatabasePort = 5433;

    /// <summary>
    /// The PostgreSQL major version, the one place it is chosen. Major only: RDS creates the instance with that major's
    /// current default minor version, and <c>AutoMinorVersionUpgrade</c> keeps it current, so a first deploy never names
    /// a minor RDS has stopped offering (as 16.4 was). The rule engine-versions checks it against the versions RDS
    /// offers (eng/aws/checks/engine-versions.json; docs/aws.md, "Engine versions", says how to refresh that list).
    /// </summary>
    public const string PostgresMajorVersion = "17";

    /// <summary>How often Secrets Manager rotates the master password.</summary>
    public const int MasterRotationDays = 30;

    /// <summary>Characters the master password never holds, generated or rotated: none of them needs quoting anywhere.</summary>
    public const string MasterPasswordExcludedCharacters = " %+~`#$&*()|[]{}:;<>?!'/@\"\\=,^.";

    private readonly Dictionary<RdsPostgresResource, SecurityGroup> _securityGroups = [];
    private readonly Dictionary<RdsPostgresResource, (DatabaseInstance Primary, DatabaseInstanceReadReplica? Replica)> _instances = [];

    public override void Translate(IReadOnlyList<RdsPostgresResource> resources)
    {
        foreach (var server in resources)
        {
            TranslateServer(server);
        }
    }

    public override AwsIngress? IngressFor(RdsPostgresResource resource) => new(_securityGroups[resource], DatabasePort);

    /// <summary>
    /// <c>rds-db:connect</c> for exactly the roles the service's connections name (its references to the database's
    /// role connections), on the instance each connection goes to: the replica for a read-only one.
    /// </summary>
    public override void Grant(RdsPostgresResource resource, ProjectResource service, IRole taskRole)
    {
        var (primary, replica) = _instances[resource];
        var logins = service.Annotations.OfType<ResourceRelationshipAnnotation>()
            .Select(r => r.Resource).OfType<PostgresDatabase>()
            .Where(d => d.Role is not null && d.Server == resource)
            .Distinct();
        foreach (var login in logins)
        {
            if (!login.ReadOnly)
            {
                primary.GrantConnect(taskRole, login.Role!);
                continue;
            }

            // Written out for the replica: CDK's DatabaseInstanceReadReplica gives GrantConnect its instance ARN where
            // rds-db:connect needs the instance's resource id (dbuser:<DbiResourceId>/<user>), a grant matching no sign-in.
            var target = replica ?? throw new InvalidOperationException($"'{login.Name}' is read-only but '{resource.Name}' has no replica.");
            var instance = (CfnDBInstance)target.Node.DefaultChild!;
            taskRole.AddToPrincipalPolicy(new PolicyStatement(new PolicyStatementProps
            {
                Actions = ["rds-db:connect"],
                Resources = [Stack.FormatArn(new ArnComponents
                {
                    Service = "rds-db",
                    Resource = "dbuser",
                    ResourceName = $"{instance.AttrDbiResourceId}/{login.Role}",
                    ArnFormat = ArnFormat.COLON_RESOURCE_NAME,
                })],
            }));
        }
    }

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
                ExcludeCharacters = MasterPasswordExcludedCharacters,
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

        // The hosted rotation Lambda runs in the app subnets (the Secrets Manager endpoint is there) and may reach the
        // database, nothing else may in.
        var rotationGroup = new SecurityGroup(Stack, $"{id}RotationSecurityGroup", new SecurityGroupProps
        {
            Vpc = Stack.Network,
            Description = $"{server.Name}: the master password's rotation function.",
            AllowAllOutbound = true,
        });
        securityGroup.AddIngressRule(rotationGroup, Amazon.CDK.AWS.EC2.Port.Tcp(DatabasePort), "The master password's rotation function.");
        instance.Secret!.AddRotationSchedule("Rotation", new RotationScheduleOptions
        {
            HostedRotation = HostedRotation.PostgreSqlSingleUser(new SingleUserHostedRotationOptions
            {
                Vpc = Stack.Network,
                VpcSubnets = Stack.AppSubnets,
                SecurityGroups = [rotationGroup],
                // The same alphabet as the generated password: a rotated one never needs quoting either.
                ExcludeCharacters = MasterPasswordExcludedCharacters,
            }),
            AutomaticallyAfter = Duration.Days(MasterRotationDays),
        });
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
            _instances[server] = (instance, null);
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
        // platform_reader signs in to the replica with IAM tokens only, and a read replica does not inherit IAM database
        // authentication from its source: without this every token is refused (rule iam-database-auth).
        ((CfnDBInstance)replica.Node.DefaultChild!).EnableIamDatabaseAuthentication = true;
        Add(replica,
            new("AwsSolutions-RDS11", "Its port is 5433 like the primary's; a replica inherits its engine, which the rule needs to see and cannot."),
            new("AwsSolutions-RDS3", "A read replica scales reads; the primary is the Multi-AZ one (prod), and a failed replica is replaced from it."),
            new("AwsSolutions-RDS10", Profile.DeletionProtection ? "Deletion protection is on in prod." : "dev is destroyable by design."),
            new("AwsSolutions-RDS13", "Backups are taken on the primary; a replica is rebuilt from it."));
        Stack.Configuration.RegisterOutput(server.ReplicaHost, new PlainTaskValue(replica.DbInstanceEndpointAddress));
        Stack.WatchReplica(server.Name, replica, Profile.DatabaseFreeStorageAlarmGiB * 1024 * 1024 * 1024);
        _instances[server] = (instance, replica);
    }
}
