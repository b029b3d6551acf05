using System.Text.Json.Nodes;
using Amazon.CDK.Assertions;

namespace Platform.Aws.Tests;

/// <summary>The dev stack of the real app model: every part of the reference architecture, and how the model shaped it.</summary>
public sealed class DevStackTests(DevStackFixture stack) : EveryStageStackTests(stack), IClassFixture<DevStackFixture>
{
    private Template Template => stack.Template;

    private static Dictionary<string, object> Props(params (string Key, object Value)[] properties) =>
        properties.ToDictionary(p => p.Key, p => p.Value);

    [Fact]
    public void The_assembly_has_the_images_the_oidc_and_the_application_stack()
    {
        Assert.Equal(["Platform-dev", "PlatformGitHubOidc", "PlatformImages"], stack.App.StackNames.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void The_network_has_public_app_and_data_subnets_a_nat_and_the_s3_gateway_endpoint_only()
    {
        Template.ResourceCountIs("AWS::EC2::VPC", 1);
        Template.ResourceCountIs("AWS::EC2::Subnet", 6); // dev: 2 AZs × public, app, data
        Template.ResourceCountIs("AWS::EC2::NatGateway", 1);
        Template.ResourceCountIs("AWS::EC2::FlowLog", 1);
        // The NAT gateway serves the other AWS APIs in dev: interface endpoints would cost more than the rest of the network.
        var endpoint = Assert.Single(Json.Resources("AWS::EC2::VPCEndpoint"));
        Assert.Contains(".s3", endpoint.Properties["ServiceName"]!.ToJsonString(), StringComparison.Ordinal);
        Assert.Equal("Gateway", (string?)endpoint.Properties["VpcEndpointType"] ?? "Gateway");

        var subnetNames = Json.Resources("AWS::EC2::Subnet")
            .Select(s => s.Properties["Tags"]!.AsArray().Single(t => (string?)t!["Key"] == "aws-cdk:subnet-name")!["Value"]!.GetValue<string>())
            .Distinct()
            .Order();
        Assert.Equal(["app", "data", "public"], subnetNames);
    }

    [Fact]
    public void The_load_balancer_routes_slash_to_web_and_api_to_api_with_liveness_checks()
    {
        Template.HasResourceProperties("AWS::ElasticLoadBalancingV2::Listener", Match.ObjectLike(Props(("Port", 80), ("Protocol", "HTTP"))));
        var webTargets = Json.Id("AWS::ElasticLoadBalancingV2::TargetGroup", "WebTargets");
        var apiTargets = Json.Id("AWS::ElasticLoadBalancingV2::TargetGroup", "ApiTargets");
        var listener = Json.Single("AWS::ElasticLoadBalancingV2::Listener");
        Assert.Equal(webTargets, (string?)listener["DefaultActions"]![0]!["TargetGroupArn"]!["Ref"]);
        var rule = Json.Single("AWS::ElasticLoadBalancingV2::ListenerRule");
        Assert.Equal(apiTargets, (string?)rule["Actions"]![0]!["TargetGroupArn"]!["Ref"]);
        Assert.Equal(["/api", "/api/*", "/openapi", "/openapi/*"], rule["Conditions"]![0]!["PathPatternConfig"]!["Values"]!.AsArray().Select(v => (string)v!));
        Assert.All(Json.Resources("AWS::ElasticLoadBalancingV2::TargetGroup"), tg =>
        {
            Assert.Equal("/alive", (string?)tg.Properties["HealthCheckPath"]);
            Assert.Equal(8080, (int)tg.Properties["Port"]!);
        });
        // No target group for the worker: it serves no traffic.
        Assert.Equal(2, Json.Resources("AWS::ElasticLoadBalancingV2::TargetGroup").Count());
    }

    [Fact]
    public void The_load_balancer_is_internal_in_the_app_subnets_admits_only_cloudfront_and_logs_access()
    {
        var loadBalancer = Json.Single("AWS::ElasticLoadBalancingV2::LoadBalancer");
        Assert.Equal("internal", (string?)loadBalancer["Scheme"]);
        var subnets = loadBalancer["Subnets"]!.AsArray().Select(s => (string)s!["Ref"]!).ToList();
        Assert.NotEmpty(subnets);
        Assert.All(subnets, id => Assert.Equal("app", SubnetGroup(id)));

        // The public subnets hold only the NAT gateways: nothing else of the stack sits in them.
        var publicSubnets = Json.Resources("AWS::EC2::Subnet").Where(s => SubnetGroup(s.Id) == "public").Select(s => s.Id).ToHashSet();
        var inPublic = Json["Resources"]!.AsObject()
            .Where(r => (string?)r.Value!["Type"] is not ("AWS::EC2::NatGateway" or "AWS::EC2::SubnetRouteTableAssociation" or "AWS::EC2::SubnetNetworkAclAssociation" or "AWS::EC2::Route" or "AWS::EC2::EIP"))
            .Where(r => publicSubnets.Any(id => r.Value!["Properties"]?.ToJsonString().Contains($"\"{id}\"", StringComparison.Ordinal) == true))
            .Select(r => r.Key);
        Assert.Empty(inPublic);

        // One rule: the listener's port, from CloudFront (the VPC origin's traffic); no address range.
        var ingress = Json.Resources("AWS::EC2::SecurityGroupIngress").Where(r => r.Id.StartsWith("LoadBalancerSecurityGroup", StringComparison.Ordinal)).Select(r => r.Properties).ToList();
        var rule = Assert.Single(ingress);
        Assert.Equal("pl-3b927c52", (string?)rule["SourcePrefixListId"]);
        Assert.Equal(80, (int)rule["FromPort"]!);
        Assert.Null(rule["CidrIp"]);
        var group = Json.Named("AWS::EC2::SecurityGroup", "LoadBalancerSecurityGroup").Properties;
        Assert.Null(group["SecurityGroupIngress"]);
        Assert.Contains("internal", (string?)group["GroupDescription"], StringComparison.Ordinal);
        Assert.Contains("VPC origin", (string?)group["GroupDescription"], StringComparison.Ordinal);
        var attributes = loadBalancer["LoadBalancerAttributes"]!.AsArray();
        Assert.Contains(attributes, a => (string?)a!["Key"] == "access_logs.s3.enabled" && (string?)a["Value"] == "true");
        Assert.Contains(attributes, a => (string?)a!["Key"] == "routing.http.drop_invalid_header_fields.enabled" && (string?)a["Value"] == "true");
    }

    [Fact]
    public void Cloudfront_reaches_the_load_balancer_only_through_a_vpc_origin_over_http_inside_the_vpc()
    {
        var (vpcOriginId, vpcOrigin) = Assert.Single(Json.Resources("AWS::CloudFront::VpcOrigin"));
        var endpoint = vpcOrigin["VpcOriginEndpointConfig"]!;
        Assert.Equal(Json.Id("AWS::ElasticLoadBalancingV2::LoadBalancer", "LoadBalancer"), (string?)endpoint["Arn"]!["Ref"]);
        Assert.Equal("http-only", (string?)endpoint["OriginProtocolPolicy"]);

        var distribution = Json.Single("AWS::CloudFront::Distribution")["DistributionConfig"]!;
        var site = distribution["Origins"]!.AsArray().Single(o => o!["VpcOriginConfig"] is not null)!;
        Assert.Equal(vpcOriginId, (string?)site["VpcOriginConfig"]!["VpcOriginId"]!["Fn::GetAtt"]![0]);
        Assert.Null(site["CustomOriginConfig"]);
        Assert.Equal((string?)distribution["DefaultCacheBehavior"]!["TargetOriginId"], (string?)site["Id"]);
        // No origin of the distribution is the load balancer by a public name.
        Assert.DoesNotContain(distribution["Origins"]!.AsArray(), o => o!["CustomOriginConfig"] is not null);
        // HTTP to the origin: no certificate to match, so the viewer's Host (the distribution's name) passes: AllViewer.
        Assert.Equal("216adef6-5c7f-47e4-b989-5492eafa07d3", (string?)distribution["DefaultCacheBehavior"]!["OriginRequestPolicyId"]);
    }

    [Fact]
    public void The_public_services_are_told_the_public_host_the_distributions_own_name()
    {
        foreach (var service in new[] { "Web", "Api" })
        {
            var host = Json.Container(service).Environment()["ForwardedHeaders__PublicHost"]!;
            Assert.Equal(Json.Id("AWS::CloudFront::Distribution", "Cdn"), (string?)host["Fn::GetAtt"]![0]);
            Assert.Equal("DomainName", (string?)host["Fn::GetAtt"]![1]);
        }

        Assert.False(Json.Container("Worker").Environment().ContainsKey("ForwardedHeaders__PublicHost"));
    }

    [Fact]
    public void The_public_services_trust_the_vpcs_proxies_so_each_viewer_keeps_its_own_address()
    {
        // CloudFront appends the viewer, the load balancer appends CloudFront: two proxies, both in the VPC. Without
        // this every viewer would share the load balancer's address, and one sign-in rate limit.
        foreach (var service in new[] { "Web", "Api" })
        {
            var environment = Json.Container(service).Environment();
            Assert.Equal("2", (string?)environment["ForwardedHeaders__ForwardLimit"]);
            Assert.Equal("0.0.0.0/0,::/0", (string?)environment["ForwardedHeaders__KnownNetworks"]);
        }
    }

    private string SubnetGroup(string subnetId) =>
        Json.Named("AWS::EC2::Subnet", subnetId).Properties["Tags"]!.AsArray().Single(t => (string?)t!["Key"] == "aws-cdk:subnet-name")!["Value"]!.GetValue<string>();

    [Fact]
    public void Each_project_is_a_fargate_service_with_rolling_deploys_circuit_breaker_and_rollback()
    {
        Template.ResourceCountIs("AWS::ECS::Service", 3);
        Template.AllResourcesProperties("AWS::ECS::Service", Match.ObjectLike(Props(
            ("LaunchType", "FARGATE"),
            ("DeploymentConfiguration", Match.ObjectLike(Props(
                ("DeploymentCircuitBreaker", Props(("Enable", true), ("Rollback", true))),
                ("MinimumHealthyPercent", 100),
                ("MaximumPercent", 200)))),
            ("DeploymentController", Props(("Type", "ECS"))))));
        Assert.All(Json.Resources("AWS::ECS::Service"), s =>
            Assert.Equal("DISABLED", (string?)s.Properties["NetworkConfiguration"]!["AwsvpcConfiguration"]!["AssignPublicIp"]));
    }

    [Fact]
    public void Web_and_api_scale_on_cpu_and_requests_and_the_worker_on_queue_depth()
    {
        var policies = Json.Resources("AWS::ApplicationAutoScaling::ScalingPolicy").ToList();
        string? Metric(JsonObject p) => (string?)p["TargetTrackingScalingPolicyConfiguration"]?["PredefinedMetricSpecification"]?["PredefinedMetricType"];
        foreach (var service in new[] { "Web", "Api" })
        {
            var own = policies.Where(p => p.Id.StartsWith(service, StringComparison.Ordinal)).Select(p => Metric(p.Properties)).ToList();
            Assert.Contains("ECSServiceAverageCPUUtilization", own);
            Assert.Contains("ALBRequestCountPerTarget", own);
        }

        var worker = policies.Where(p => p.Id.StartsWith("Worker", StringComparison.Ordinal)).ToList();
        Assert.Contains(worker, p => (string?)p.Properties["PolicyType"] == "StepScaling");
        Assert.DoesNotContain(worker, p => Metric(p.Properties) == "ALBRequestCountPerTarget");
        var depthAlarm = Json.Resources("AWS::CloudWatch::Alarm").Where(a => a.Id.StartsWith("WorkerTaskCountTarget", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(depthAlarm);
        Assert.All(depthAlarm, a => Assert.Equal("ApproximateNumberOfMessagesVisible", (string?)a.Properties["MetricName"]));
    }

    [Fact]
    public void Images_come_from_ecr_by_each_service_s_digest_parameter_so_synthesis_needs_no_docker()
    {
        foreach (var service in new[] { "Api", "Worker", "Web" })
        {
            Assert.Equal("^sha256:[a-f0-9]{64}$", (string?)Json["Parameters"]![$"{service}ImageDigest"]!["AllowedPattern"]);
            var image = Json.Container(service)["Image"]!.ToJsonString();
            Assert.Contains($"/platform/{service.ToLowerInvariant()}@", image, StringComparison.Ordinal);
            Assert.Contains($"{{\"Ref\":\"{service}ImageDigest\"}}", image, StringComparison.Ordinal);
        }

        Assert.DoesNotContain(Json["Resources"]!.AsObject(), r => (string?)r.Value!["Type"] == "AWS::Lambda::Function");
    }

    [Fact]
    public void The_database_is_encrypted_rds_postgres_with_a_replica_for_the_read_only_connection()
    {
        var instances = Json.Resources("AWS::RDS::DBInstance").ToList();
        Assert.Equal(2, instances.Count);
        var primary = Json.Named("AWS::RDS::DBInstance", "PostgresServer").Properties;
        var replica = instances.Single(i => i.Properties["SourceDBInstanceIdentifier"] is not null).Properties;
        Assert.Equal("postgres", (string?)primary["Engine"]);
        Assert.Equal("platform", (string?)primary["DBName"]);
        foreach (var instance in new[] { primary, replica })
        {
            Assert.True((bool)instance["StorageEncrypted"]!);
            Assert.NotNull(instance["KmsKeyId"]);
            Assert.True((bool)instance["AutoMinorVersionUpgrade"]!);
            Assert.False((bool)instance["PubliclyAccessible"]!);
        }

        // dev: cheap and destroyable.
        Assert.False((bool)primary["MultiAZ"]!);
        Assert.False((bool)primary["DeletionProtection"]!);
        Assert.Equal(7, (int)primary["BackupRetentionPeriod"]!);
        Assert.Equal("5433", (string?)primary["Port"]);
        // Credentials generated into Secrets Manager, never in the template.
        Assert.Contains("secretsmanager", primary["MasterUserPassword"]!.ToJsonString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Connection_strings_reach_the_services_without_a_password_in_plain_sight_and_the_read_one_points_at_the_replica()
    {
        var api = Json.Container("Api");
        var secrets = api.Secrets();
        Assert.Contains("Aspire__StackExchange__Redis__redis__ConfigurationOptions__Password", secrets.Keys);
        // Redis's connection string names the host and the user; its password is a secret of its own (RedisIdentityStackTests).
        // The database's connection strings name a role that signs in with IAM tokens: nothing secret in them.
        Assert.DoesNotContain(secrets.Keys, k => k.StartsWith("ConnectionStrings__", StringComparison.Ordinal));
        Assert.DoesNotContain(api.Environment().Values, v => v!.ToJsonString().Contains("assword", StringComparison.Ordinal));

        // The database's roles sign in with IAM tokens: their connection strings hold no secret (DatabaseCredentialTests).
        var read = api.Environment()["ConnectionStrings__postgres-read"]!.ToJsonString();
        var replicaId = Json.Resources("AWS::RDS::DBInstance").Single(i => i.Properties["SourceDBInstanceIdentifier"] is not null).Id;
        Assert.Contains(replicaId, read, StringComparison.Ordinal);
        Assert.Contains("default_transaction_read_only=on", read, StringComparison.Ordinal);
        Assert.DoesNotContain(replicaId, api.Environment()["ConnectionStrings__postgres"]!.ToJsonString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Redis_is_an_encrypted_replication_group_with_users_from_a_user_group()
    {
        var redis = Json.Single("AWS::ElastiCache::ReplicationGroup");
        Assert.True((bool)redis["TransitEncryptionEnabled"]!);
        Assert.True((bool)redis["AtRestEncryptionEnabled"]!);
        Assert.NotNull(redis["KmsKeyId"]);
        Assert.NotEmpty(redis["UserGroupIds"]!.AsArray());
        Assert.Equal(1, (int)redis["NumCacheClusters"]!); // dev: one node
    }

    [Fact]
    public void The_media_bucket_is_private_encrypted_versioned_tls_only_with_lifecycle()
    {
        var (id, bucket) = Json.Named("AWS::S3::Bucket", "Storage");
        Assert.Equal("""{"BlockPublicAcls":true,"BlockPublicPolicy":true,"IgnorePublicAcls":true,"RestrictPublicBuckets":true}""",
            bucket["PublicAccessBlockConfiguration"]!.ToJsonString());
        Assert.Equal("aws:kms", (string?)bucket["BucketEncryption"]!["ServerSideEncryptionConfiguration"]![0]!["ServerSideEncryptionByDefault"]!["SSEAlgorithm"]);
        Assert.Equal("Enabled", (string?)bucket["VersioningConfiguration"]!["Status"]);
        var rule = bucket["LifecycleConfiguration"]!["Rules"]![0]!;
        Assert.Equal("GLACIER_IR", (string?)rule["Transitions"]![0]!["StorageClass"]);
        Assert.NotNull(rule["NoncurrentVersionExpiration"]);
        Assert.Equal(7, (int)rule["AbortIncompleteMultipartUpload"]!["DaysAfterInitiation"]!);
        Assert.Contains(bucket["CorsConfiguration"]!["CorsRules"]![0]!["AllowedMethods"]!.AsArray(), m => (string?)m == "PUT");

        var policy = Json.Resources("AWS::S3::BucketPolicy").Single(p => (string?)p.Properties["Bucket"]!["Ref"] == id).Properties;
        Assert.Contains(policy["PolicyDocument"]!["Statement"]!.AsArray(), s =>
            (string?)s!["Effect"] == "Deny" && s["Condition"]?["Bool"]?["aws:SecureTransport"]?.GetValue<string>() == "false");
    }

    [Fact]
    public void Cloudfront_serves_the_site_and_the_media_with_origin_access_control_behind_the_waf()
    {
        var distribution = Json.Single("AWS::CloudFront::Distribution")["DistributionConfig"]!;
        Assert.Equal(Json.Id("AWS::WAFv2::WebACL", "WebAcl"), (string?)distribution["WebACLId"]!["Fn::GetAtt"]![0]);
        Assert.Equal("redirect-to-https", (string?)distribution["DefaultCacheBehavior"]!["ViewerProtocolPolicy"]);
        Assert.Equal(["/_edge/*", "/css/*", "/js/*"], distribution["CacheBehaviors"]!.AsArray().Select(b => (string)b!["PathPattern"]!).Order(StringComparer.Ordinal));
        Template.ResourceCountIs("AWS::CloudFront::OriginAccessControl", 1);
        Assert.NotNull(distribution["Logging"]);

        var acl = Json.Single("AWS::WAFv2::WebACL");
        Assert.Equal("CLOUDFRONT", (string?)acl["Scope"]);
        var rules = acl["Rules"]!.AsArray();
        Assert.Contains(rules, r => r!["Statement"]!["RateBasedStatement"] is not null);
        var managed = rules.Select(r => (string?)r!["Statement"]!["ManagedRuleGroupStatement"]?["Name"]).Where(n => n is not null).ToList();
        Assert.Contains("AWSManagedRulesCommonRuleSet", managed);
        Assert.Contains("AWSManagedRulesKnownBadInputsRuleSet", managed);
        Assert.Contains("AWSManagedRulesAmazonIpReputationList", managed);
    }

    [Fact]
    public void The_queue_is_encrypted_and_redrives_to_its_dead_letter_queue_after_five_receives()
    {
        var queue = Json.Named("AWS::SQS::Queue", "Messaging").Properties;
        var deadLetters = Json.Id("AWS::SQS::Queue", "MessagingDeadLetters");
        Assert.Equal(5, (int)queue["RedrivePolicy"]!["maxReceiveCount"]!);
        Assert.Equal(deadLetters, (string?)queue["RedrivePolicy"]!["deadLetterTargetArn"]!["Fn::GetAtt"]![0]);
        Assert.All(Json.Resources("AWS::SQS::Queue"), q => Assert.NotNull(q.Properties["KmsMasterKeyId"]));
        Assert.All(Json.Resources("AWS::SQS::QueuePolicy"), p => Assert.Contains("aws:SecureTransport", p.Properties.ToJsonString(), StringComparison.Ordinal));
    }

    [Fact]
    public void Alarms_cover_5xx_latency_cpu_database_queues_and_go_to_the_alarm_topic_and_a_dashboard()
    {
        var alarms = Json.Resources("AWS::CloudWatch::Alarm").Where(a => a.Id.StartsWith("Alarm", StringComparison.Ordinal)).ToList();
        var metrics = alarms.Select(a => (string?)a.Properties["MetricName"] ?? a.Properties["Metrics"]!.ToJsonString()).ToList();
        foreach (var metric in new[] { "CPUUtilization", "DatabaseConnections", "FreeStorageSpace", "ApproximateAgeOfOldestMessage", "ApproximateNumberOfMessagesVisible", "TargetResponseTime", "5xxErrorRate" })
        {
            Assert.Contains(metrics, m => m.Contains(metric, StringComparison.Ordinal));
        }

        Assert.Contains(metrics, m => m.Contains("HTTPCode_Target_5XX_Count", StringComparison.Ordinal));
        Assert.Contains(alarms, a => (string?)a.Properties["ExtendedStatistic"] == "p99");
        var topic = Json.Id("AWS::SNS::Topic", "Alarms");
        Assert.All(alarms, a => Assert.Equal(topic, (string?)a.Properties["AlarmActions"]![0]!["Ref"]));
        Template.ResourceCountIs("AWS::CloudWatch::Dashboard", 1);
    }

    [Fact]
    public void Logs_go_to_cloudwatch_with_retention_and_telemetry_to_the_adot_collector()
    {
        Assert.All(Json.Resources("AWS::Logs::LogGroup"), g => Assert.NotNull(g.Properties["RetentionInDays"]));
        foreach (var service in new[] { "Api", "Worker", "Web" })
        {
            var app = Json.Container(service);
            Assert.Equal("awslogs", (string?)app["LogConfiguration"]!["LogDriver"]);
            var environment = app.Environment();
            Assert.Equal("http://localhost:4317", (string?)environment["OTEL_EXPORTER_OTLP_ENDPOINT"]);
            Assert.Equal(service.ToLowerInvariant(), (string?)environment["OTEL_SERVICE_NAME"]);
            var collector = Json.Container(service, "otel-collector");
            Assert.StartsWith("public.ecr.aws/aws-observability/aws-otel-collector:", (string?)collector["Image"]);
        }
    }

    [Fact]
    public void The_worker_task_receives_the_dead_letter_receive_count_and_the_apis_upload_limit()
    {
        var worker = Json.Container("Worker").Environment();
        var api = Json.Container("Api").Environment();

        // The queue's redrive policy and the Worker's own count are the same number, from the one place that states it.
        var redrive = Json.Named("AWS::SQS::Queue", "Messaging").Properties["RedrivePolicy"]!["maxReceiveCount"]!.ToJsonString();
        Assert.Equal(redrive, (string?)worker["messaging__MaxReceiveCount"]);
        Assert.Equal("5", redrive);
        Assert.NotNull((string?)api["Media__MaxUploadBytes"]);
        Assert.Equal((string?)api["Media__MaxUploadBytes"], (string?)worker["Media__MaxUploadBytes"]);
    }

    [Fact]
    public void Cloudtrail_writes_to_an_encrypted_bucket()
    {
        var trail = Json.Single("AWS::CloudTrail::Trail");
        Assert.True((bool)trail["IsMultiRegionTrail"]!);
        Assert.True((bool)trail["EnableLogFileValidation"]!);
        Assert.NotNull(trail["KMSKeyId"]);
        var bucket = Json["Resources"]![(string)trail["S3BucketName"]!["Ref"]!]!["Properties"]!;
        Assert.Equal("aws:kms", (string?)bucket["BucketEncryption"]!["ServerSideEncryptionConfiguration"]![0]!["ServerSideEncryptionByDefault"]!["SSEAlgorithm"]);
    }

    [Fact]
    public void Keys_rotate()
    {
        Assert.All(Json.Resources("AWS::KMS::Key"), k => Assert.True((bool)k.Properties["EnableKeyRotation"]!));
    }

    [Fact]
    public void No_identity_policy_in_any_stack_allows_a_wildcard_action()
    {
        foreach (var name in stack.App.StackNames)
        {
            foreach (var (policy, statement) in stack.App.Json(name).IdentityStatements())
            {
                Assert.All(statement.Actions(), action => Assert.False(action.Contains('*'), $"{name}/{policy} allows '{action}'"));
            }
        }
    }

    [Fact]
    public void Each_service_has_its_own_task_role_with_only_what_its_references_need()
    {
        var api = Json.ActionsOf(Json.Id("AWS::IAM::Role", "ApiTaskRole"));
        var worker = Json.ActionsOf(Json.Id("AWS::IAM::Role", "WorkerTaskRole"));
        var web = Json.ActionsOf(Json.Id("AWS::IAM::Role", "WebTaskRole"));

        Assert.Superset(new HashSet<string> { "s3:PutObject", "s3:GetObject", "s3:ListBucket", "sqs:SendMessage" }, api);
        Assert.DoesNotContain("sqs:ReceiveMessage", api);
        Assert.Superset(new HashSet<string> { "s3:GetObject", "s3:PutObject", "sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility" }, worker);
        // The worker sends only to the dead-letter queue (what it can never process), never to the queue it consumes.
        Assert.DoesNotContain("sqs:SendMessage", Json.ActionsOn(Json.Id("AWS::IAM::Role", "WorkerTaskRole"), Json.Id("AWS::SQS::Queue", "Messaging")));
        Assert.DoesNotContain(web, a => a.StartsWith("s3:", StringComparison.Ordinal) || a.StartsWith("sqs:", StringComparison.Ordinal));
        Assert.Equal(3, Json.Resources("AWS::IAM::Role").Count(r => r.Id.Contains("TaskRole", StringComparison.Ordinal)));
    }

    /// <summary>
    /// Web's pages may reach this bucket and no other (presigned uploads, connect-src/img-src): the CSP names the bucket's
    /// own host, not every bucket of the region, while Web still gets no access to the bucket (asserted just above).
    /// </summary>
    [Fact]
    public void Web_pages_may_reach_only_the_stacks_own_bucket()
    {
        var origin = Json.Container("Web").Environment()["ContentSecurityPolicy__StorageOrigins__0"]!;
        Assert.True(origin is JsonObject, $"Web's storage origin is {origin.ToJsonString()}, not built from the bucket's name");
        var parts = origin["Fn::Join"]![1]!.AsArray();
        Assert.Equal("https://", (string?)parts[0]);
        Assert.Equal(Json.Id("AWS::S3::Bucket", "Storage"), (string?)parts[1]!["Ref"]);
        Assert.Matches(@"^\.s3\.[a-z]{2}(-[a-z]+)+-\d\.amazonaws\.com$", (string?)parts[2]);
        Assert.Equal(3, parts.Count);
    }

    [Fact]
    public void Security_groups_allow_only_the_flows_the_model_has()
    {
        var rules = Json.IngressRules();
        string Group(string prefix) => Json.Id("AWS::EC2::SecurityGroup", prefix);
        var (alb, web, api, worker, db, redis) = (Group("LoadBalancerSecurityGroup"), Group("WebSecurityGroup"), Group("ApiSecurityGroup"),
            Group("WorkerSecurityGroup"), Group("PostgresServerSecurityGroup"), Group("RedisSecurityGroup"));

        var expected = new HashSet<(string, string, int)>
        {
            (web, alb, 8080), (api, alb, 8080), // the load balancer to the public services
            (api, web, 8080),                   // web calls api (Service Connect)
            (db, api, 5433), (db, worker, 5433), // the services that reference postgres
            (db, Group("PostgresServerRotationSecurityGroup"), 5433), // the master password's rotation function
            (redis, api, 6379), (redis, web, 6379), (redis, worker, 6379), // the worker invalidates the Api's cache
        };
        Assert.Equal(expected, rules.Where(r => r.Source != r.Target).Where(r => !r.Target.StartsWith("Network", StringComparison.Ordinal)).ToHashSet());
    }

    [Fact]
    public void Outputs_are_published_to_ssm_for_stack_references()
    {
        var names = Json.Resources("AWS::SSM::Parameter").Select(p => (string?)p.Properties["Name"]).ToList();
        Assert.Contains("/Platform-dev/outputs/storage/BucketName", names);
        Assert.Contains("/Platform-dev/outputs/messaging/QueueUrl", names);
        Assert.Contains("/Platform-dev/outputs/messaging/DeadLetterQueueUrl", names);
        Assert.NotNull(Json["Outputs"]!["Url"]);
    }

    [Fact]
    public void Services_find_each_other_through_service_connect()
    {
        var web = Json.Container("Web").Environment();
        Assert.Equal("http://api:8080", (string?)web["services__api__http__0"]);
        Template.ResourceCountIs("AWS::ServiceDiscovery::HttpNamespace", 1);
        var api = Json.Named("AWS::ECS::Service", "ApiService").Properties;
        Assert.Equal("api", (string?)api["ServiceConnectConfiguration"]!["Services"]![0]!["ClientAliases"]![0]!["DnsName"]);
    }








    [Fact]
    public void Dev_retains_its_buckets_so_cdk_destroy_never_stops_at_a_non_empty_one()
    {
        // eng/aws/destroy.sh removes them once the stack is gone (AccountScriptsTests); the rest of dev goes with it.
        var buckets = Json["Resources"]!.AsObject().Where(r => (string?)r.Value!["Type"] == "AWS::S3::Bucket").ToList();
        Assert.Equal(3, buckets.Count);
        Assert.All(buckets, b => Assert.Equal("Retain", (string?)b.Value!["DeletionPolicy"]));
        Assert.False((bool)Json.Named("AWS::RDS::DBInstance", "PostgresServer").Properties["DeletionProtection"]!);
        Assert.Equal("Delete", (string?)Json["Resources"]![Json.Id("AWS::KMS::Key", "DataKey")]!["DeletionPolicy"]);
    }
}
