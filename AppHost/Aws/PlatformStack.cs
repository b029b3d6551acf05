using Amazon.CDK;
using Amazon.CDK.AWS.CloudTrail;
using Amazon.CDK.AWS.EC2;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.KMS;
using Amazon.CDK.AWS.Logs;
using Amazon.CDK.AWS.S3;
using Amazon.CDK.AWS.SNS;
using Amazon.CDK.AWS.SSM;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Constructs;
using static Platform.AppHost.Aws.PolicySuppressions;

using IResource = Aspire.Hosting.ApplicationModel.IResource;

namespace Platform.AppHost.Aws;

/// <summary>
/// The application stack (<c>Platform-dev</c>, <c>Platform-prod</c>): the seed architecture, translated from the app model.
/// The foundation (network, keys, logs, audit, edge) is fixed; everything else follows the model: each data resource
/// becomes its AWS service (<see cref="DataResources"/>), each project a Fargate service (<see cref="Services"/>), each
/// reference configuration + a security group rule + an IAM grant.
/// </summary>
public sealed partial class PlatformStack : Stack
{
    private readonly AwsDeploymentSettings _settings;
    private readonly PublishedModel _model;

    public PlatformStack(Construct scope, PublishedModel model, AwsDeploymentSettings settings, IReadOnlyList<string> availabilityZones)
        : base(scope, settings.StackName, new StackProps
        {
            // Region only: the account is the deploying credentials' (AWS::AccountId), so one template fits every
            // account and synthesis never looks anything up.
            Env = new Amazon.CDK.Environment { Region = settings.Region },
            Description = $"Platform ({settings.StageName}): the media library's web, api and worker on ECS Fargate, RDS, ElastiCache, S3, SQS, CloudFront.",
            TerminationProtection = settings.IsProduction,
        })
    {
        _settings = settings;
        _model = model;
        Amazon.CDK.Tags.Of(this).Add("platform:stage", settings.StageName);

        Key = new Key(this, "DataKey", new KeyProps
        {
            Description = $"Platform {settings.StageName}: encrypts the database, cache, bucket, queues, secrets and audit trail.",
            EnableKeyRotation = true,
            PendingWindow = Duration.Days(settings.IsProduction ? 30 : 7),
            RemovalPolicy = Retain,
        });
        AllowServicesToUseKey();

        Network = CreateNetwork(availabilityZones);
        LogsBucket = CreateLogsBucket();
        CreateAuditTrail();
        AlarmTopic = CreateAlarmTopic();

        ImageTag = new Amazon.CDK.CfnParameter(this, "ImageTag", new Amazon.CDK.CfnParameterProps
        {
            Type = "String",
            Description = "The tag of the service images in ECR (the commit SHA the deploy workflow built).",
            AllowedPattern = "^[A-Za-z0-9._-]{1,128}$",
        });

        Configuration = new ServiceConfiguration(this, Key, Region);
        TranslateDataResources();
        TranslateServices();
        CreateEdge();
        CreateDashboard();
        PublishOutputs();
    }

    public IKey Key { get; }

    public Vpc Network { get; }

    public Bucket LogsBucket { get; }

    public Topic AlarmTopic { get; }

    public Amazon.CDK.CfnParameter ImageTag { get; }

    public ServiceConfiguration Configuration { get; }

    /// <summary>Production keeps data when the stack goes; dev is destroyable.</summary>
    private RemovalPolicy Retain => _settings.IsProduction ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;

    private SubnetSelection AppSubnets => new() { SubnetGroupName = "app" };

    private SubnetSelection DataSubnets => new() { SubnetGroupName = "data" };

    /// <summary>AWS services that write encrypted data with the key on our behalf, each limited to this account.</summary>
    private void AllowServicesToUseKey()
    {
        Key.AddToResourcePolicy(new PolicyStatement(new PolicyStatementProps
        {
            Sid = "CloudTrailEncryptsLogs",
            Principals = [new ServicePrincipal("cloudtrail.amazonaws.com")],
            Actions = ["kms:GenerateDataKey", "kms:DescribeKey"],
            Resources = ["*"],
            Conditions = new Dictionary<string, object>
            {
                ["StringLike"] = new Dictionary<string, object> { ["kms:EncryptionContext:aws:cloudtrail:arn"] = $"arn:{Amazon.CDK.Aws.PARTITION}:cloudtrail:*:{Amazon.CDK.Aws.ACCOUNT_ID}:trail/*" },
            },
        }));
        Key.AddToResourcePolicy(new PolicyStatement(new PolicyStatementProps
        {
            Sid = "CloudWatchLogsEncryptsLogGroups",
            Principals = [new ServicePrincipal($"logs.{Region}.amazonaws.com")],
            Actions = ["kms:Encrypt", "kms:Decrypt", "kms:ReEncryptFrom", "kms:ReEncryptTo", "kms:GenerateDataKey", "kms:GenerateDataKeyWithoutPlaintext", "kms:DescribeKey"],
            Resources = ["*"],
            Conditions = new Dictionary<string, object>
            {
                ["ArnLike"] = new Dictionary<string, object> { ["kms:EncryptionContext:aws:logs:arn"] = $"arn:{Amazon.CDK.Aws.PARTITION}:logs:{Region}:{Amazon.CDK.Aws.ACCOUNT_ID}:log-group:*" },
            },
        }));
        // Grants on the key only for AWS resources or by AWS services (Control Tower CT.KMS.PR.3).
        Key.AddToResourcePolicy(new PolicyStatement(new PolicyStatementProps
        {
            Sid = "GrantsOnlyForAwsResources",
            Effect = Effect.DENY,
            Principals = [new AnyPrincipal()],
            Actions = ["kms:CreateGrant"],
            Resources = ["*"],
            Conditions = new Dictionary<string, object>
            {
                ["BoolIfExists"] = new Dictionary<string, object> { ["kms:GrantIsForAWSResource"] = "false", ["aws:PrincipalIsAWSService"] = "false" },
            },
        }));
        Key.AddToResourcePolicy(new PolicyStatement(new PolicyStatementProps
        {
            Sid = "CloudWatchAlarmsPublishToEncryptedTopic",
            Principals = [new ServicePrincipal("cloudwatch.amazonaws.com")],
            Actions = ["kms:Decrypt", "kms:GenerateDataKey"],
            Resources = ["*"],
            Conditions = new Dictionary<string, object>
            {
                ["StringEquals"] = new Dictionary<string, object> { ["aws:SourceAccount"] = Amazon.CDK.Aws.ACCOUNT_ID },
            },
        }));
    }

    private Vpc CreateNetwork(IReadOnlyList<string> availabilityZones)
    {
        var flowLogs = CreateLogGroup("NetworkFlowLogs");
        var zones = availabilityZones.Take(_settings.IsProduction ? 3 : 2).ToArray();
        var vpc = new Vpc(this, "Network", new VpcProps
        {
            IpAddresses = IpAddresses.Cidr("10.40.0.0/16"),
            AvailabilityZones = zones,
            // One NAT gateway per AZ in production (an AZ outage leaves the others their egress); one in dev.
            NatGateways = _settings.IsProduction ? zones.Length : 1,
            SubnetConfiguration =
            [
                // Nothing launched in a public subnet gets a public address by accident: only the NAT gateways (Elastic
                // IPs) and the load balancer live there.
                new SubnetConfiguration { Name = "public", SubnetType = SubnetType.PUBLIC, CidrMask = 24, MapPublicIpOnLaunch = false },
                new SubnetConfiguration { Name = "app", SubnetType = SubnetType.PRIVATE_WITH_EGRESS, CidrMask = 20 },
                new SubnetConfiguration { Name = "data", SubnetType = SubnetType.PRIVATE_ISOLATED, CidrMask = 24 },
            ],
            FlowLogs = new Dictionary<string, IFlowLogOptions>
            {
                ["All"] = new FlowLogOptions { Destination = FlowLogDestination.ToCloudWatchLogs(flowLogs), TrafficType = FlowLogTrafficType.ALL },
            },
        });

        // Private paths to the AWS APIs the tasks call, so image pulls, logs, secrets and queue traffic stay off the NAT.
        vpc.AddGatewayEndpoint("S3Endpoint", new GatewayVpcEndpointOptions { Service = GatewayVpcEndpointAwsService.S3 });
        foreach (var (name, service) in new[]
        {
            ("SqsEndpoint", InterfaceVpcEndpointAwsService.SQS),
            ("EcrEndpoint", InterfaceVpcEndpointAwsService.ECR),
            ("EcrDockerEndpoint", InterfaceVpcEndpointAwsService.ECR_DOCKER),
            ("LogsEndpoint", InterfaceVpcEndpointAwsService.CLOUDWATCH_LOGS),
            ("SecretsManagerEndpoint", InterfaceVpcEndpointAwsService.SECRETS_MANAGER),
        })
        {
            var endpoint = vpc.AddInterfaceEndpoint(name, new InterfaceVpcEndpointOptions { Service = service, Subnets = AppSubnets, PrivateDnsEnabled = true });
            Add(endpoint, new Suppression("AwsSolutions-EC23",
                "The endpoint admits HTTPS from the VPC's own CIDR only (Fn::GetAtt of the VPC, which the rule cannot evaluate), never 0.0.0.0/0."));
        }

        return vpc;
    }

    /// <summary>Access logs of the load balancer, CloudFront and the buckets. SSE-S3: ELB log delivery cannot use KMS.</summary>
    private Bucket CreateLogsBucket()
    {
        var bucket = new Bucket(this, "AccessLogs", new BucketProps
        {
            BlockPublicAccess = BlockPublicAccess.BLOCK_ALL,
            Encryption = BucketEncryption.S3_MANAGED,
            EnforceSSL = true,
            Versioned = true,
            // CloudFront's standard logging writes with ACLs.
            ObjectOwnership = ObjectOwnership.BUCKET_OWNER_PREFERRED,
            LifecycleRules =
            [
                new LifecycleRule
                {
                    Id = "ExpireLogs",
                    Expiration = Duration.Days(_settings.IsProduction ? 365 : 30),
                    NoncurrentVersionExpiration = Duration.Days(7),
                    AbortIncompleteMultipartUploadAfter = Duration.Days(1),
                },
            ],
            RemovalPolicy = Retain,
        });
        SendEventsToEventBridge(bucket);
        Add(bucket,
            new Suppression("AwsSolutions-S1", "This is the access-log bucket itself; logging it into itself would loop."),
            new Suppression("CT.S3.PR.2", "This is the access-log bucket itself; logging it into itself would loop."),
            new Suppression("CT.S3.PR.10", "Load balancer access-log delivery supports only SSE-S3, not SSE-KMS; the bucket holds access logs, no application data."),
            new Suppression("CT.S3.PR.5", "CloudFront standard logging writes with ACLs (BucketOwnerPreferred); public access stays fully blocked."),
            new Suppression("CT.S3.PR.9", "Access logs expire by lifecycle; Object Lock would keep them past that and block the dev stack's removal."));
        return bucket;
    }

    private void CreateAuditTrail()
    {
        var bucket = new Bucket(this, "AuditTrail", new BucketProps
        {
            BlockPublicAccess = BlockPublicAccess.BLOCK_ALL,
            Encryption = BucketEncryption.KMS,
            EncryptionKey = Key,
            BucketKeyEnabled = true,
            EnforceSSL = true,
            Versioned = true,
            ServerAccessLogsBucket = LogsBucket,
            ServerAccessLogsPrefix = "s3/audit/",
            LifecycleRules = [new LifecycleRule { Id = "ExpireTrail", Expiration = Duration.Days(_settings.IsProduction ? 2555 : 90), NoncurrentVersionExpiration = Duration.Days(30) }],
            RemovalPolicy = Retain,
        });
        SendEventsToEventBridge(bucket);
        Add(bucket, new Suppression("CT.S3.PR.9",
            "The trail's integrity is CloudTrail log file validation (signed digest files) plus versioning and a KMS key; Object Lock would make the dev stack undeletable."));
        new Trail(this, "Trail", new TrailProps
        {
            Bucket = bucket,
            EncryptionKey = Key,
            EnableFileValidation = true,
            IsMultiRegionTrail = true,
            IncludeGlobalServiceEvents = true,
            SendToCloudWatchLogs = true,
            CloudWatchLogGroup = CreateLogGroup("TrailLogs"),
        });
    }

    /// <summary>A log group encrypted with the data key: a year in production, a week in dev.</summary>
    private LogGroup CreateLogGroup(string id)
    {
        var group = new LogGroup(this, id, new LogGroupProps
        {
            EncryptionKey = Key,
            Retention = _settings.IsProduction ? RetentionDays.ONE_YEAR : RetentionDays.ONE_WEEK,
            RemovalPolicy = Retain,
        });
        if (!_settings.IsProduction)
        {
            Add(group, new Suppression("CT.CLOUDWATCH.PR.2", "dev keeps logs a week to stay cheap and destroyable; prod keeps them a year."));
        }

        return group;
    }

    /// <summary>
    /// S3 event notifications to EventBridge, set on the L1 bucket: the L2 <c>EventBridgeEnabled</c> deploys a
    /// Lambda-backed custom resource for it, an asset this stack has none of.
    /// </summary>
    private static void SendEventsToEventBridge(Bucket bucket) =>
        ((CfnBucket)bucket.Node.DefaultChild!).NotificationConfiguration = new CfnBucket.NotificationConfigurationProperty
        {
            EventBridgeConfiguration = new CfnBucket.EventBridgeConfigurationProperty { EventBridgeEnabled = true },
        };

    private Topic CreateAlarmTopic()
    {
        var topic = new Topic(this, "Alarms", new TopicProps
        {
            DisplayName = $"Platform {_settings.StageName} alarms",
            MasterKey = Key,
            EnforceSSL = true,
        });
        if (_settings.AlarmEmail is { } email)
        {
            new Amazon.CDK.AWS.SNS.Subscription(this, "AlarmEmail", new Amazon.CDK.AWS.SNS.SubscriptionProps
            {
                Topic = topic,
                Protocol = SubscriptionProtocol.EMAIL,
                Endpoint = email,
            });
        }

        return topic;
    }

    /// <summary>
    /// Publishes every plain value a service received as a stack output and as an SSM parameter under
    /// <c>/{stack}/outputs/{resource}/{output}</c>: what <c>AddAwsCloudFormationStackReference</c> reads when the AppHost
    /// runs the services locally against this stack (<c>Platform:LocalRuntime=aws</c>).
    /// </summary>
    private void PublishOutputs()
    {
        new CfnOutput(this, "Url", new CfnOutputProps { Value = PublicUrl, Description = "The site: CloudFront (and the domain when one is given)." });
        foreach (var (resource, output, value) in Configuration.UsedPlainOutputs)
        {
            var id = ServiceConfiguration.Sanitize($"{resource.Name} {output}");
            new StringParameter(this, $"Output{id}", new StringParameterProps
            {
                ParameterName = $"{SsmStackOutputSource.ParameterPath(StackName)}{resource.Name}/{output}",
                StringValue = value,
                Description = $"{resource.Name}.{output}, for stack references.",
            });
            new CfnOutput(this, id, new CfnOutputProps { Value = value, Description = $"{resource.Name}.{output}" });
        }
    }

    private static InvalidOperationException NoAwsForm(IResource resource) => new(
        $"The resource '{resource.Name}' ({resource.GetType().Name}) has no AWS form: add one to AppHost/Hosting (its Add… " +
        "extension) and its translation to AppHost/Aws, or keep it out of the published model.");
}
