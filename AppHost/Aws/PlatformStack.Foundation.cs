using Amazon.CDK;
using Amazon.CDK.AWS.CloudTrail;
using Amazon.CDK.AWS.EC2;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.S3;
using Amazon.CDK.AWS.SNS;
using Amazon.CDK.AWS.SSM;
using static Platform.AppHost.Aws.PolicySuppressions;

namespace Platform.AppHost.Aws;

/// <summary>The fixed foundation: the data key's policy, the network, the access-log bucket, the audit trail, the alarm topic, the outputs.</summary>
public sealed partial class PlatformStack
{
    /// <summary>The audit trail's name, fixed so the key policy can name the trail before it exists.</summary>
    private string TrailName => $"{StackName}-audit";

    private string TrailArn => $"arn:{Amazon.CDK.Aws.PARTITION}:cloudtrail:{Region}:{Amazon.CDK.Aws.ACCOUNT_ID}:trail/{TrailName}";

    /// <summary>AWS services that write encrypted data with the key on our behalf, each limited to this account.</summary>
    private void AllowServicesToUseKey()
    {
        // CloudTrail, as its documentation's key policy has it ("Configure AWS KMS key policies for CloudTrail"): encrypt
        // log files under the trail's encryption context, describe the key, and decrypt, which CreateTrail needs when the
        // trail's bucket uses an S3 Bucket Key. Each only for this stack's trail (aws:SourceArn), which is why the trail
        // has a fixed name: its ARN is known before the trail exists, without a cycle key → trail → key.
        var trail = new Dictionary<string, object> { ["aws:SourceArn"] = TrailArn };
        Key.AddToResourcePolicy(new PolicyStatement(new PolicyStatementProps
        {
            Sid = "CloudTrailEncryptsLogs",
            Principals = [new ServicePrincipal("cloudtrail.amazonaws.com")],
            Actions = ["kms:GenerateDataKey*"],
            Resources = ["*"],
            Conditions = new Dictionary<string, object>
            {
                ["StringLike"] = new Dictionary<string, object> { ["kms:EncryptionContext:aws:cloudtrail:arn"] = $"arn:{Amazon.CDK.Aws.PARTITION}:cloudtrail:*:{Amazon.CDK.Aws.ACCOUNT_ID}:trail/*" },
                ["StringEquals"] = trail,
            },
        }));
        Key.AddToResourcePolicy(new PolicyStatement(new PolicyStatementProps
        {
            Sid = "CloudTrailDescribesKey",
            Principals = [new ServicePrincipal("cloudtrail.amazonaws.com")],
            Actions = ["kms:DescribeKey"],
            Resources = ["*"],
            Conditions = new Dictionary<string, object> { ["StringEquals"] = trail },
        }));
        Key.AddToResourcePolicy(new PolicyStatement(new PolicyStatementProps
        {
            Sid = "CloudTrailDecryptsWithBucketKey",
            Principals = [new ServicePrincipal("cloudtrail.amazonaws.com")],
            Actions = ["kms:Decrypt"],
            Resources = ["*"],
            Conditions = new Dictionary<string, object> { ["StringEquals"] = trail },
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
        AllowGrantsOnlyForAwsResources(Key);
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

    /// <summary>Grants on a key only for AWS resources or by AWS services (Control Tower CT.KMS.PR.3).</summary>
    private static void AllowGrantsOnlyForAwsResources(Amazon.CDK.AWS.KMS.IKey key) => key.AddToResourcePolicy(new PolicyStatement(new PolicyStatementProps
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

    private Vpc CreateNetwork(IReadOnlyList<string> availabilityZones)
    {
        var flowLogs = CreateLogGroup("NetworkFlowLogs");
        var zones = availabilityZones.Take(Profile.AvailabilityZones).ToArray();
        var vpc = new Vpc(this, "Network", new VpcProps
        {
            IpAddresses = IpAddresses.Cidr("10.40.0.0/16"),
            AvailabilityZones = zones,
            NatGateways = Profile.NatGatewayPerZone ? zones.Length : 1,
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

        // S3 (image layers, media) through its gateway endpoint: free, and off the NAT gateway's per-GB charge.
        vpc.AddGatewayEndpoint("S3Endpoint", new GatewayVpcEndpointOptions { Service = GatewayVpcEndpointAwsService.S3 });
        if (!Profile.InterfaceEndpoints)
        {
            // The NAT gateway serves the other AWS APIs (docs/aws.md, "Cost per stage").
            return vpc;
        }

        // Private paths to the AWS APIs the tasks call, so image pulls, logs, secrets and queue traffic do not depend on
        // the NAT gateways.
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
                    Expiration = Duration.Days(Profile.AccessLogDays),
                    NoncurrentVersionExpiration = Duration.Days(7),
                    AbortIncompleteMultipartUploadAfter = Duration.Days(1),
                },
            ],
            RemovalPolicy = BucketRemovalPolicy,
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
            LifecycleRules = [new LifecycleRule { Id = "ExpireTrail", Expiration = Duration.Days(Profile.AuditTrailDays), NoncurrentVersionExpiration = Duration.Days(30) }],
            RemovalPolicy = BucketRemovalPolicy,
        });
        SendEventsToEventBridge(bucket);
        Add(bucket, new Suppression("CT.S3.PR.9",
            "The trail's integrity is CloudTrail log file validation (signed digest files) plus versioning and a KMS key; Object Lock would make the dev stack undeletable."));
        new Trail(this, "Trail", new TrailProps
        {
            TrailName = TrailName,
            Bucket = bucket,
            EncryptionKey = Key,
            EnableFileValidation = true,
            IsMultiRegionTrail = true,
            IncludeGlobalServiceEvents = true,
            SendToCloudWatchLogs = true,
            CloudWatchLogGroup = CreateLogGroup("TrailLogs"),
        });
    }

    private Topic CreateAlarmTopic()
    {
        var topic = new Topic(this, "Alarms", new TopicProps
        {
            DisplayName = $"Platform {Settings.StageName} alarms",
            MasterKey = Key,
            EnforceSSL = true,
        });
        if (Settings.AlarmEmail is { } email)
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
        // The deploy workflow checks after a prod deploy that the topic's e-mail subscription is confirmed (it pages nobody
        // while PendingConfirmation).
        new CfnOutput(this, "AlarmTopicArn", new CfnOutputProps { Value = AlarmTopic.TopicArn, Description = "The alarm topic: what pages whom." });
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
}
