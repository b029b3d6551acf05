using Amazon.CDK;
using Amazon.CDK.AWS.CloudWatch;
using Amazon.CDK.AWS.CloudWatch.Actions;
using Amazon.CDK.AWS.EC2;
using Amazon.CDK.AWS.ElastiCache;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.RDS;
using Amazon.CDK.AWS.S3;
using Amazon.CDK.AWS.SecretsManager;
using Amazon.CDK.AWS.SQS;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using static Platform.AppHost.Aws.PolicySuppressions;

using IResource = Aspire.Hosting.ApplicationModel.IResource;

namespace Platform.AppHost.Aws;

public sealed partial class PlatformStack
{
    /// <summary>What a service that reaches a resource must be allowed to connect to (security group rule).</summary>
    private readonly Dictionary<IResource, (IConnectable Target, int Port)> _networkTargets = [];

    private readonly Dictionary<S3BucketResource, Bucket> _buckets = [];
    private readonly Dictionary<SqsQueueResource, (Queue Queue, Queue? DeadLetterQueue)> _queues = [];
    private readonly List<Alarm> _alarms = [];

    private void TranslateDataResources()
    {
        foreach (var resource in _model.Resources)
        {
            switch (resource)
            {
                case RdsPostgresResource postgres:
                    TranslatePostgres(postgres);
                    break;
                case ElastiCacheRedisResource redis:
                    TranslateRedis(redis);
                    break;
                case S3BucketResource bucket:
                    TranslateBucket(bucket);
                    break;
                case SqsQueueResource queue:
                    TranslateQueue(queue);
                    break;
                case PostgresDatabase or ParameterResource or ProjectResource:
                    // A database is a connection string on its server; parameters and projects are mapped where services use them.
                    break;
                default:
                    throw NoAwsForm(resource);
            }
        }
    }

    private const int DatabasePort = 5433;

    private void TranslatePostgres(RdsPostgresResource server)
    {
        var databases = _model.Resources.OfType<PostgresDatabase>().Where(d => d.Parent == server).ToList();
        var primary = databases.Count == 1
            ? databases[0]
            : throw new InvalidOperationException($"The RDS instance '{server.Name}' needs exactly one database; the model has {databases.Count}.");
        var readOnly = _model.Resources.OfType<PostgresDatabase>().Any(d => d.ReadOnly && d.Parent == primary);
        var id = ServiceConfiguration.Sanitize(server.Name);

        var securityGroup = new SecurityGroup(this, $"{id}SecurityGroup", new SecurityGroupProps
        {
            Vpc = Network,
            Description = $"{server.Name}: PostgreSQL from the services that reference it, nothing else.",
            AllowAllOutbound = false,
        });
        const string username = "platform_admin";
        var instanceType = _settings.IsProduction
            ? Amazon.CDK.AWS.EC2.InstanceType.Of(InstanceClass.M7G, InstanceSize.LARGE)
            : Amazon.CDK.AWS.EC2.InstanceType.Of(InstanceClass.T4G, InstanceSize.MICRO);
        var instance = new DatabaseInstance(this, id, new DatabaseInstanceProps
        {
            Engine = DatabaseInstanceEngine.Postgres(new PostgresInstanceEngineProps { Version = PostgresEngineVersion.VER_16_4 }),
            InstanceType = instanceType,
            Vpc = Network,
            VpcSubnets = DataSubnets,
            SecurityGroups = [securityGroup],
            // Connection strings are assembled from this secret's fields, so none of its characters may need quoting.
            Credentials = Credentials.FromGeneratedSecret(username, new CredentialsBaseOptions
            {
                EncryptionKey = Key,
                ExcludeCharacters = " %+~`#$&*()|[]{}:;<>?!'/@\"\\=,^.",
            }),
            DatabaseName = primary.DatabaseName,
            MultiAz = _settings.IsProduction,
            StorageEncrypted = true,
            StorageEncryptionKey = Key,
            StorageType = StorageType.GP3,
            AllocatedStorage = _settings.IsProduction ? 100 : 20,
            MaxAllocatedStorage = _settings.IsProduction ? 1000 : 50,
            BackupRetention = Duration.Days(_settings.IsProduction ? 14 : 7),
            // Not PostgreSQL's well-known 5432: scanners for it find nothing (Control Tower CT.RDS.PR.20, cdk-nag RDS11).
            Port = DatabasePort,
            MonitoringInterval = Duration.Seconds(60),
            DeletionProtection = _settings.IsProduction,
            RemovalPolicy = _settings.IsProduction ? RemovalPolicy.SNAPSHOT : RemovalPolicy.DESTROY,
            AutoMinorVersionUpgrade = true,
            IamAuthentication = true,
            EnablePerformanceInsights = true,
            PerformanceInsightEncryptionKey = Key,
            CloudwatchLogsExports = ["postgresql", "upgrade"],
            CopyTagsToSnapshot = true,
            PubliclyAccessible = false,
        });
        var nag = new List<Suppression>
        {
            new("AwsSolutions-IAM4", "The enhanced-monitoring role uses AWS's AmazonRDSEnhancedMonitoringRole managed policy, which only writes RDS OS metrics to CloudWatch Logs."),
            new("AwsSolutions-SMG4", "The generated master secret is not rotated by a Lambda: the services' connection-string secrets are assembled from it at deployment; rotate by updating the secret and redeploying (README)."),
        };
        if (!_settings.IsProduction)
        {
            nag.Add(new("AwsSolutions-RDS3", "dev is single-AZ to stay cheap; prod is Multi-AZ."));
            nag.Add(new("AwsSolutions-RDS10", "dev is destroyable by design; prod has deletion protection."));
            nag.Add(new("CT.RDS.PR.1", "dev is single-AZ to stay cheap; prod is Multi-AZ."));
            nag.Add(new("CT.RDS.PR.13", "dev is destroyable by design; prod has deletion protection."));
        }

        Add(instance, [.. nag]);
        Configuration.RegisterOutput(server.Host, new PlainTaskValue(instance.DbInstanceEndpointAddress));
        Configuration.RegisterOutput(server.Port, new PlainTaskValue(instance.DbInstanceEndpointPort));
        Configuration.RegisterOutput(server.Username, new PlainTaskValue(username));
        Configuration.RegisterOutput(server.Password, new SecretTaskValue(instance.Secret!, "password"));
        _networkTargets[server] = (securityGroup, DatabasePort);

        Watch(instance.MetricDatabaseConnections(new Amazon.CDK.AWS.CloudWatch.MetricOptions { Period = Duration.Minutes(5) }), $"{server.Name} connections",
            ComparisonOperator.GREATER_THAN_THRESHOLD, _settings.IsProduction ? 400 : 60, "Database connections near the instance's limit.");
        Watch(instance.MetricFreeStorageSpace(new Amazon.CDK.AWS.CloudWatch.MetricOptions { Period = Duration.Minutes(5) }), $"{server.Name} free storage",
            ComparisonOperator.LESS_THAN_THRESHOLD, (_settings.IsProduction ? 20d : 2d) * 1024 * 1024 * 1024, "Less free storage than autoscaling can absorb.");
        Watch(instance.MetricCPUUtilization(new Amazon.CDK.AWS.CloudWatch.MetricOptions { Period = Duration.Minutes(5) }), $"{server.Name} CPU",
            ComparisonOperator.GREATER_THAN_THRESHOLD, 80, "Database CPU above 80 %.");

        if (!readOnly)
        {
            return;
        }

        var replica = new DatabaseInstanceReadReplica(this, $"{id}Replica", new DatabaseInstanceReadReplicaProps
        {
            SourceDatabaseInstance = instance,
            InstanceType = instanceType,
            Port = DatabasePort,
            StorageType = StorageType.GP3,
            Vpc = Network,
            VpcSubnets = DataSubnets,
            SecurityGroups = [securityGroup],
            StorageEncrypted = true,
            StorageEncryptionKey = Key,
            AutoMinorVersionUpgrade = true,
            DeletionProtection = _settings.IsProduction,
            RemovalPolicy = RemovalPolicy.DESTROY,
            EnablePerformanceInsights = true,
            PerformanceInsightEncryptionKey = Key,
            CloudwatchLogsExports = ["postgresql", "upgrade"],
            PubliclyAccessible = false,
        });
        Add(replica,
            new("AwsSolutions-RDS11", "Its port is 5433 like the primary's; a replica inherits its engine, which the rule needs to see and cannot."),
            new("AwsSolutions-RDS3", "A read replica scales reads; the primary is the Multi-AZ one (prod), and a failed replica is replaced from it."),
            new("AwsSolutions-RDS10", _settings.IsProduction ? "Deletion protection is on in prod." : "dev is destroyable by design."),
            new("AwsSolutions-RDS13", "Backups are taken on the primary; a replica is rebuilt from it."));
        Configuration.RegisterOutput(server.ReplicaHost, new PlainTaskValue(replica.DbInstanceEndpointAddress));
    }

    private void TranslateRedis(ElastiCacheRedisResource redis)
    {
        var id = ServiceConfiguration.Sanitize(redis.Name);
        var securityGroup = new SecurityGroup(this, $"{id}SecurityGroup", new SecurityGroupProps
        {
            Vpc = Network,
            Description = $"{redis.Name}: Redis from the services that reference it, nothing else.",
            AllowAllOutbound = false,
        });
        var subnets = new CfnSubnetGroup(this, $"{id}Subnets", new CfnSubnetGroupProps
        {
            Description = $"{redis.Name}: the isolated data subnets.",
            SubnetIds = Network.SelectSubnets(DataSubnets).SubnetIds,
        });
        var authToken = new Secret(this, $"{id}AuthToken", new SecretProps
        {
            Description = $"{redis.Name}: the Redis AUTH token.",
            EncryptionKey = Key,
            // Letters and digits only: ElastiCache refuses some punctuation, and the token goes into connection strings.
            GenerateSecretString = new SecretStringGenerator { PasswordLength = 64, ExcludePunctuation = true, IncludeSpace = false },
            RemovalPolicy = RemovalPolicy.DESTROY,
        });
        Add(authToken, new Suppression("AwsSolutions-SMG4", "ElastiCache AUTH tokens rotate with ModifyReplicationGroup (AuthTokenUpdateStrategy), not a Secrets Manager rotation Lambda; rotate by updating the secret and redeploying (README)."));
        var group = new CfnReplicationGroup(this, id, new CfnReplicationGroupProps
        {
            ReplicationGroupDescription = $"Platform {_settings.StageName} {redis.Name}: cache, sessions, Data Protection keys.",
            Engine = "redis",
            EngineVersion = "7.1",
            CacheNodeType = _settings.IsProduction ? "cache.m7g.large" : "cache.t4g.micro",
            // Production: a primary and a replica in another AZ with automatic failover; dev: one node.
            NumCacheClusters = _settings.IsProduction ? 2 : 1,
            MultiAzEnabled = _settings.IsProduction,
            AutomaticFailoverEnabled = _settings.IsProduction,
            TransitEncryptionEnabled = true,
            AtRestEncryptionEnabled = true,
            KmsKeyId = Key.KeyArn,
            AuthToken = authToken.SecretValue.UnsafeUnwrap(),
            CacheSubnetGroupName = subnets.Ref,
            SecurityGroupIds = [securityGroup.SecurityGroupId],
            Port = 6379,
            AutoMinorVersionUpgrade = true,
            SnapshotRetentionLimit = _settings.IsProduction ? 7 : 0,
        });
        group.AddDependency(subnets);
        var nag = new List<Suppression>
        {
            new("CT.ELASTICACHE.PR.8", "Access is an AUTH token from Secrets Manager over TLS, one client identity for the platform's services; RBAC users and user groups would add identities nothing distinguishes."),
            new("AwsSolutions-AEC5", "The default port 6379: a non-default port is obscurity; the security group admits only the services that reference the cache."),
        };
        if (!_settings.IsProduction)
        {
            nag.Add(new("AwsSolutions-AEC3", "dev runs one node to stay cheap; prod is Multi-AZ with automatic failover."));
            nag.Add(new("AwsSolutions-AEC4", "dev runs one node to stay cheap; prod is Multi-AZ with automatic failover."));
            nag.Add(new("CT.ELASTICACHE.PR.3", "dev runs one node to stay cheap; prod is Multi-AZ with automatic failover."));
            nag.Add(new("AwsSolutions-AEC6", "dev keeps no snapshots: the cache holds nothing that cannot be rebuilt."));
        }

        Add(group, [.. nag]);
        Configuration.RegisterOutput(redis.Host, new PlainTaskValue(group.AttrPrimaryEndPointAddress));
        Configuration.RegisterOutput(redis.Port, new PlainTaskValue(group.AttrPrimaryEndPointPort));
        Configuration.RegisterOutput(redis.AuthToken, new SecretTaskValue(authToken, null));
        _networkTargets[redis] = (securityGroup, 6379);
    }

    private void TranslateBucket(S3BucketResource resource)
    {
        var id = ServiceConfiguration.Sanitize(resource.Name);
        var bucket = new Bucket(this, id, new BucketProps
        {
            BlockPublicAccess = BlockPublicAccess.BLOCK_ALL,
            Encryption = BucketEncryption.KMS,
            EncryptionKey = Key,
            BucketKeyEnabled = true,
            EnforceSSL = true,
            Versioned = true,
            ObjectOwnership = ObjectOwnership.BUCKET_OWNER_ENFORCED,
            ServerAccessLogsBucket = LogsBucket,
            ServerAccessLogsPrefix = $"s3/{resource.Name}/",
            LifecycleRules =
            [
                new LifecycleRule
                {
                    Id = "ArchiveAndClean",
                    // Glacier Instant Retrieval: cheaper storage for old media that the gallery can still show at once
                    // (Flexible Retrieval would make old images unreadable until restored).
                    Transitions = [new Transition { StorageClass = StorageClass.GLACIER_INSTANT_RETRIEVAL, TransitionAfter = Duration.Days(90) }],
                    NoncurrentVersionTransitions = [new NoncurrentVersionTransition { StorageClass = StorageClass.GLACIER, TransitionAfter = Duration.Days(30) }],
                    NoncurrentVersionExpiration = Duration.Days(_settings.IsProduction ? 365 : 30),
                    AbortIncompleteMultipartUploadAfter = Duration.Days(7),
                },
            ],
            // Browsers upload and download with presigned URLs from the site's origin (S3 CORS, as the emulators do locally).
            Cors = resource.CorsOrigins.Count == 0 ? null :
            [
                new CorsRule
                {
                    AllowedOrigins = [PublicOrigin],
                    AllowedMethods = [HttpMethods.GET, HttpMethods.PUT, HttpMethods.HEAD],
                    AllowedHeaders = ["*"],
                    ExposedHeaders = ["ETag"],
                    MaxAge = 600,
                },
            ],
            RemovalPolicy = Retain,
        });
        // Object events on EventBridge, for whatever reacts to uploads next.
        SendEventsToEventBridge(bucket);
        Add(bucket, new Suppression("CT.S3.PR.9",
            "People delete their own media, which Object Lock would forbid; versioning with noncurrent-version expiry protects against accidental deletes and overwrites."));
        _buckets[resource] = bucket;
        Configuration.RegisterOutput(resource.BucketNameOutput, new PlainTaskValue(bucket.BucketName));
    }

    private void TranslateQueue(SqsQueueResource resource)
    {
        var id = ServiceConfiguration.Sanitize(resource.Name);
        Queue? deadLetters = null;
        if (resource.MaxReceiveCount is not null)
        {
            deadLetters = new Queue(this, $"{id}DeadLetters", new QueueProps
            {
                Encryption = QueueEncryption.KMS,
                EncryptionMasterKey = Key,
                DataKeyReuse = Duration.Minutes(15),
                EnforceSSL = true,
                // As long as SQS allows, so nothing is lost before someone looks.
                RetentionPeriod = Duration.Days(14),
                RemovalPolicy = RemovalPolicy.DESTROY,
            });
            Add(deadLetters,
                new Suppression("AwsSolutions-SQS3", "This is the dead-letter queue of its queue."),
                new Suppression("CT.SQS.PR.1", "This is the dead-letter queue of its queue; its messages wait for a person, with an alarm."));
            Watch(deadLetters.MetricApproximateNumberOfMessagesVisible(new Amazon.CDK.AWS.CloudWatch.MetricOptions { Period = Duration.Minutes(1), Statistic = "Maximum" }),
                $"{resource.Name} dead letters", ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD, 1,
                $"A message of '{resource.QueueName}' failed {resource.MaxReceiveCount} times and waits in the dead-letter queue.");
        }

        var queue = new Queue(this, id, new QueueProps
        {
            Encryption = QueueEncryption.KMS,
            EncryptionMasterKey = Key,
            DataKeyReuse = Duration.Minutes(15),
            EnforceSSL = true,
            VisibilityTimeout = Duration.Minutes(2),
            RetentionPeriod = Duration.Days(4),
            DeadLetterQueue = deadLetters is null ? null : new DeadLetterQueue { Queue = deadLetters, MaxReceiveCount = resource.MaxReceiveCount!.Value },
            RemovalPolicy = RemovalPolicy.DESTROY,
        });
        if (deadLetters is null)
        {
            Add(queue, new Suppression("AwsSolutions-SQS3", $"The app model gives '{resource.Name}' no dead-letter queue."));
        }

        _queues[resource] = (queue, deadLetters);
        Configuration.RegisterOutput(resource.QueueUrlOutput, new PlainTaskValue(queue.QueueUrl));
        if (deadLetters is not null)
        {
            Configuration.RegisterOutput(resource.DeadLetterQueueUrlOutput, new PlainTaskValue(deadLetters.QueueUrl));
        }

        Watch(queue.MetricApproximateAgeOfOldestMessage(new Amazon.CDK.AWS.CloudWatch.MetricOptions { Period = Duration.Minutes(1), Statistic = "Maximum" }),
            $"{resource.Name} age", ComparisonOperator.GREATER_THAN_THRESHOLD, 300, $"The oldest message of '{resource.QueueName}' waits more than 5 minutes.");
    }

    /// <summary>Grants a service's task role the access its annotations ask for (or full data-plane use by default).</summary>
    private void GrantAccess(ProjectResource project, IRole taskRole, IResource target)
    {
        switch (target)
        {
            case S3BucketResource resource when _buckets.TryGetValue(resource, out var bucket):
                var bucketAccess = project.Annotations.OfType<BucketAccessAnnotation>().Where(a => a.Bucket == resource).ToList();
                foreach (var access in bucketAccess.Count > 0 ? bucketAccess : [new BucketAccessAnnotation(resource, BucketAccess.ReadWrite, [])])
                {
                    GrantBucket(taskRole, bucket, access);
                }

                break;
            case SqsQueueResource resource when _queues.TryGetValue(resource, out var queues):
                var queueAccess = project.Annotations.OfType<QueueAccessAnnotation>().Where(a => a.Queue == resource)
                    .Aggregate((QueueAccess)0, (all, a) => all | a.Access);
                GrantQueue(taskRole, queues.Queue, queues.DeadLetterQueue, queueAccess == 0 ? QueueAccess.SendAndConsume : queueAccess);
                break;
        }
    }

    // Written out instead of bucket.GrantReadWrite()/queue.GrantSendMessages(): those grant action families with
    // wildcards (s3:GetObject*, s3:List*, kms:GenerateDataKey*), and each service gets exactly the actions it uses.
    private void GrantBucket(IRole role, Bucket bucket, BucketAccessAnnotation access)
    {
        var objects = access.KeyPrefixes.Count == 0
            ? [bucket.ArnForObjects("*")]
            : access.KeyPrefixes.Select(p => bucket.ArnForObjects($"{p}*")).ToArray();
        var actions = new List<string>();
        var keyActions = new List<string>();
        if (access.Access is BucketAccess.Read or BucketAccess.ReadWrite)
        {
            actions.Add("s3:GetObject");
            keyActions.Add("kms:Decrypt");
        }

        if (access.Access is BucketAccess.Write or BucketAccess.ReadWrite)
        {
            actions.AddRange(["s3:PutObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"]);
            keyActions.AddRange(["kms:GenerateDataKey", "kms:Decrypt"]);
        }

        if (access.Access is BucketAccess.ReadWrite)
        {
            actions.Add("s3:DeleteObject");
        }

        role.AddToPrincipalPolicy(new PolicyStatement(new PolicyStatementProps { Actions = [.. actions], Resources = objects }));
        // HeadBucket (the services' health check) needs ListBucket on the bucket itself.
        role.AddToPrincipalPolicy(new PolicyStatement(new PolicyStatementProps { Actions = ["s3:ListBucket"], Resources = [bucket.BucketArn] }));
        role.AddToPrincipalPolicy(new PolicyStatement(new PolicyStatementProps { Actions = [.. keyActions.Distinct()], Resources = [Key.KeyArn] }));
    }

    private void GrantQueue(IRole role, Queue queue, Queue? deadLetters, QueueAccess access)
    {
        var actions = new List<string> { "sqs:GetQueueAttributes", "sqs:GetQueueUrl" };
        var keyActions = new List<string>();
        if (access.HasFlag(QueueAccess.Send))
        {
            actions.Add("sqs:SendMessage");
            keyActions.AddRange(["kms:GenerateDataKey", "kms:Decrypt"]);
        }

        if (access.HasFlag(QueueAccess.Consume))
        {
            actions.AddRange(["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility"]);
            keyActions.Add("kms:Decrypt");
        }

        role.AddToPrincipalPolicy(new PolicyStatement(new PolicyStatementProps { Actions = [.. actions], Resources = [queue.QueueArn] }));
        if (deadLetters is not null)
        {
            // Services hold the dead-letter queue's URL to report on it: reading its attributes is all they may do.
            role.AddToPrincipalPolicy(new PolicyStatement(new PolicyStatementProps { Actions = ["sqs:GetQueueAttributes"], Resources = [deadLetters.QueueArn] }));
        }

        role.AddToPrincipalPolicy(new PolicyStatement(new PolicyStatementProps { Actions = [.. keyActions.Distinct()], Resources = [Key.KeyArn] }));
    }

    /// <summary>An alarm on <paramref name="metric"/> to the alarm topic, also shown on the dashboard.</summary>
    private Alarm Watch(IMetric metric, string name, ComparisonOperator comparison, double threshold, string description, int evaluationPeriods = 3)
    {
        var alarm = new Alarm(this, $"Alarm{ServiceConfiguration.Sanitize(name)}", new AlarmProps
        {
            Metric = metric,
            Threshold = threshold,
            ComparisonOperator = comparison,
            EvaluationPeriods = evaluationPeriods,
            DatapointsToAlarm = Math.Min(2, evaluationPeriods),
            TreatMissingData = TreatMissingData.NOT_BREACHING,
            AlarmDescription = $"Platform {_settings.StageName}: {description}",
        });
        alarm.AddAlarmAction(new SnsAction(AlarmTopic));
        alarm.AddOkAction(new SnsAction(AlarmTopic));
        _alarms.Add(alarm);
        return alarm;
    }
}
