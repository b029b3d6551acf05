using Amazon.CDK;
using Amazon.CDK.AWS.CloudFront;
using Amazon.CDK.AWS.CloudWatch;
using Amazon.CDK.AWS.EC2;
using Amazon.CDK.AWS.ECR;
using Amazon.CDK.AWS.ECS;
using Amazon.CDK.AWS.ElasticLoadBalancingV2;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.ServiceDiscovery;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Platform.AppHost.Aws.Telemetry;
using static Platform.AppHost.Aws.PolicySuppressions;
using HealthCheck = Amazon.CDK.AWS.ElasticLoadBalancingV2.HealthCheck;
using IResource = Aspire.Hosting.ApplicationModel.IResource;
using Protocol = Amazon.CDK.AWS.ElasticLoadBalancingV2.Protocol;

namespace Platform.AppHost.Aws.Translators;

/// <summary>
/// <see cref="ProjectResource"/> → an ECS Fargate service: task role, log group, the image <c>platform/{service}</c> at
/// the digest in its <c>&lt;Service&gt;ImageDigest</c> parameter, the ADOT collector beside it, Service Connect, autoscaling, and — for a service with
/// external endpoints or a public path — a target group behind the load balancer. Its configuration is the model's,
/// mapped by <see cref="ServiceConfiguration"/>; each reference adds the referenced translator's ingress and grant.
/// </summary>
public sealed class FargateServiceTranslator(PlatformStack stack) : AwsResourceTranslator<ProjectResource>(stack)
{
    /// <summary>
    /// The ADOT collector: receives the services' OTLP on localhost and sends sampled traces to X-Ray, logs to CloudWatch
    /// Logs and the dashboard's metrics as embedded metric format, each into a log group of the stack
    /// (<see cref="CollectorConfiguration"/>).
    /// </summary>
    public const string CollectorImage = "public.ecr.aws/aws-observability/aws-otel-collector:v0.42.0";

    /// <summary>
    /// What the load balancer and ECS probe: ServiceDefaults' liveness endpoint (the process answers), not /health
    /// (every dependency): when Redis or Postgres fails over, a readiness probe would mark every task unhealthy at once
    /// and ECS would replace them all, turning a dependency's blip into an outage.
    /// </summary>
    public const string LivenessPath = "/alive";

    /// <summary>The collector's hard memory limit (MiB).</summary>
    private const int CollectorMemory = 256;

    /// <summary>
    /// Memory (MiB) left for the Service Connect proxy ECS adds to every task: "We recommend adding an additional 256
    /// CPU units and at least 64 MiB of memory to your task CPU and memory for the Service Connect proxy container"
    /// (Amazon ECS Developer Guide, Service Connect concepts, Proxy resources). The app container gets the rest.
    /// </summary>
    private const int ServiceConnectProxyMemory = 64;

    private readonly Dictionary<ProjectResource, SecurityGroup> _serviceGroups = [];
    private readonly Dictionary<ProjectResource, FargateService> _services = [];
    private readonly List<(ProjectResource Client, ProjectResource Server)> _calls = [];

    private Cluster? _cluster;

    public override void Translate(IReadOnlyList<ProjectResource> resources)
    {
        var services = resources.Select(r => Stack.Model.Services.Single(s => s.Resource == r)).ToList();
        _cluster = new Cluster(Stack, "Cluster", new ClusterProps
        {
            Vpc = Stack.Network,
            ContainerInsights = Profile.ContainerInsights,
            // Service Connect: every service finds another as http://{name}:8080, as Aspire's service discovery does locally.
            DefaultCloudMapNamespace = new CloudMapNamespaceOptions { Name = $"platform-{Stack.Settings.StageName}.internal", Type = NamespaceType.HTTP, UseForServiceConnect = true },
        });
        if (!Profile.ContainerInsights)
        {
            const string reason = "Container Insights is off in dev only (cost: about 50 custom metrics); prod has it and its tasks-below-desired alarms.";
            Add(_cluster.Node.DefaultChild!, new Suppression("AwsSolutions-ECS4", reason), new Suppression("CT.ECS.PR.2", reason));
        }

        foreach (var service in services)
        {
            Stack.Configuration.RegisterService(service.Resource, service.Name);
            _serviceGroups[service.Resource] = new SecurityGroup(Stack, $"{ServiceConfiguration.Sanitize(service.Name)}SecurityGroup", new SecurityGroupProps
            {
                Vpc = Stack.Network,
                Description = $"{service.Name}: the Fargate tasks. Inbound only from the load balancer and the services that call it.",
                // Outbound: AWS APIs (endpoints, NAT), the collector image, the data stores.
                AllowAllOutbound = true,
            });
        }

        var priority = 10;
        foreach (var service in services)
        {
            TranslateService(service, ref priority);
        }

        // A client of another service through Service Connect is created after it: its tasks resolve the name only if
        // the server's endpoint exists when they start (Amazon ECS Developer Guide, Service Connect components:
        // "add dependsOn to the frontend client service" for each backend it connects to).
        foreach (var (client, server) in _calls)
        {
            _services[client].Node.AddDependency(_services[server]);
        }
    }

    private void TranslateService(PublishedService service, ref int priority)
    {
        var project = service.Resource;
        var id = ServiceConfiguration.Sanitize(service.Name);

        // Configuration first: every value mapped, or the publish stops naming the key.
        var touched = new HashSet<IResource>();
        var environment = new SortedDictionary<string, string>(StringComparer.Ordinal);
        var secrets = new SortedDictionary<string, Amazon.CDK.AWS.ECS.Secret>(StringComparer.Ordinal);
        foreach (var (key, value) in service.Environment)
        {
            switch (Stack.Configuration.Map(service.Name, key, value, touched))
            {
                case PlainTaskValue plain:
                    environment[key] = plain.Value;
                    break;
                case SecretTaskValue { Secret: var secret, JsonField: var field }:
                    secrets[key] = field is null ? Amazon.CDK.AWS.ECS.Secret.FromSecretsManager(secret) : Amazon.CDK.AWS.ECS.Secret.FromSecretsManager(secret, field);
                    break;
            }
        }

        // The same OpenTelemetry code as locally; only where OTLP goes differs: the collector beside it in the task.
        environment["OTEL_EXPORTER_OTLP_ENDPOINT"] = "http://localhost:4317";
        environment["OTEL_EXPORTER_OTLP_PROTOCOL"] = "grpc";
        environment["OTEL_SERVICE_NAME"] = service.Name;
        environment["OTEL_RESOURCE_ATTRIBUTES"] = $"deployment.environment={Stack.Settings.StageName},service.namespace=platform";
        // Every user request and message is traced (ServiceDefaults' sampler decides what a trace is); which traces are
        // kept is the collector's decision, made when a trace is complete and its errors and latency are known.
        // Logs go over OTLP; the console (stdout → awslogs) keeps warnings and errors, for when the collector is down.
        environment["Logging__Console__LogLevel__Default"] = "Warning";
        // Behind CloudFront the load balancer may be reached by a name of its own: the public host name arrives as
        // X-Forwarded-Host, which a service accepts only with this value (PlatformStack.Edge, ForwardedHostOptions).
        if (IsPublic(service))
        {
            environment["ForwardedHeaders__PublicHost"] = Stack.PublicHost;
            // Who the viewer is: CloudFront appends the viewer to X-Forwarded-For and the load balancer appends whoever
            // connected to it (CloudFront, by a public or a VPC-origin address), so the viewer is the second entry from
            // the right. Every hop is trusted because only the load balancer and Web can reach a public service (their
            // security groups); anything a client wrote further left is ignored. Without this, every user behind the
            // load balancer would share one client address (and one sign-in rate limit).
            environment["ForwardedHeaders__KnownNetworks"] = "0.0.0.0/0,::/0";
            environment["ForwardedHeaders__ForwardLimit"] = "2";
        }

        // A service that keeps a Data Protection key ring encrypts it with KMS under its own name (ServiceDefaults'
        // KmsXmlEncryptor); its task role is granted the key for that encryption context only, below.
        var keepsKeyRing = project.Annotations.OfType<EncryptedDataProtectionKeysAnnotation>().Any();
        if (keepsKeyRing)
        {
            environment["DataProtection__KmsKeyId"] = Stack.KeyRingKey.KeyArn;
            environment["DataProtection__KmsService"] = service.Name;
        }

        var logs = Stack.CreateLogGroup($"{id}Logs");
        var telemetryLogs = Stack.CreateLogGroup($"{id}TelemetryLogs");
        var telemetryMetrics = Stack.CreateLogGroup($"{id}TelemetryMetrics");
        var taskRole = new Role(Stack, $"{id}TaskRole", new RoleProps
        {
            AssumedBy = new ServicePrincipal("ecs-tasks.amazonaws.com"),
            Description = $"{service.Name}: exactly what the service's references need, and the collector's telemetry writes.",
        });
        var task = new FargateTaskDefinition(Stack, $"{id}Task", new FargateTaskDefinitionProps
        {
            Cpu = Profile.TaskCpu,
            MemoryLimitMiB = Profile.TaskMemoryMiB,
            TaskRole = taskRole,
            // Graviton: about 20 % cheaper than x86 per vCPU-hour; the deploy workflow builds linux/arm64 images.
            RuntimePlatform = new RuntimePlatform { CpuArchitecture = CpuArchitecture.ARM64, OperatingSystemFamily = OperatingSystemFamily.LINUX },
        });
        var repository = Repository.FromRepositoryName(Stack, $"{id}Repository", ImagesStack.RepositoryName(service.Name));
        // Read-only root file systems; each container gets a private, writable /tmp (the .NET runtime's diagnostics
        // sockets live there).
        task.AddVolume(new Amazon.CDK.AWS.ECS.Volume { Name = "app-tmp" });
        task.AddVolume(new Amazon.CDK.AWS.ECS.Volume { Name = "collector-tmp" });
        // What FromEcrRepository would grant: FromRegistry pulls with no grant of its own.
        repository.GrantPull(task.ObtainExecutionRole());
        var app = task.AddContainer("app", new ContainerDefinitionOptions
        {
            // repo@sha256:…: a parameter is a token at synthesis, which FromEcrRepository would render as repo:tag.
            Image = ContainerImage.FromRegistry(repository.RepositoryUriForDigest(Stack.ImageDigest(service.Name).ValueAsString)),
            Essential = true,
            // The .NET images' non-root 'app' user (dotnet publish -t:PublishContainer uses it by default).
            User = "1654",
            ReadonlyRootFilesystem = true,
            MemoryLimitMiB = Profile.TaskMemoryMiB - CollectorMemory - ServiceConnectProxyMemory,
            Environment = environment.ToDictionary(e => e.Key, e => e.Value),
            Secrets = secrets.ToDictionary(e => e.Key, e => e.Value),
            PortMappings = [new PortMapping { Name = "http", ContainerPort = ServiceConfiguration.ContainerPort, AppProtocol = AppProtocol.Http }],
            Logging = LogDriver.AwsLogs(new AwsLogDriverProps { LogGroup = logs, StreamPrefix = "app" }),
            HealthCheck = LivenessCheck(),
        });
        app.AddMountPoints(new MountPoint { SourceVolume = "app-tmp", ContainerPath = "/tmp", ReadOnly = false });
        var collector = task.AddContainer("otel-collector", new ContainerDefinitionOptions
        {
            Image = ContainerImage.FromRegistry(CollectorImage),
            // The stack's configuration, not the image's default (which creates its own log group and makes every
            // attribute combination a custom metric).
            Environment = new Dictionary<string, string>
            {
                ["AOT_CONFIG_CONTENT"] = CollectorConfiguration.Yaml,
                ["AWS_REGION"] = Stack.Region,
                [CollectorConfiguration.LogGroupVariable] = telemetryLogs.LogGroupName,
                [CollectorConfiguration.MetricsLogGroupVariable] = telemetryMetrics.LogGroupName,
                [CollectorConfiguration.NamespaceVariable] = CollectorConfiguration.Namespace(Stack.Settings.StageName),
            },
            // Telemetry is not worth an outage: the app keeps serving if the collector stops.
            Essential = false,
            // The collector image's own non-root user.
            User = "10001",
            ReadonlyRootFilesystem = true,
            MemoryReservationMiB = 128,
            MemoryLimitMiB = CollectorMemory,
            Logging = LogDriver.AwsLogs(new AwsLogDriverProps { LogGroup = logs, StreamPrefix = "otel" }),
        });
        collector.AddMountPoints(new MountPoint { SourceVolume = "collector-tmp", ContainerPath = "/tmp", ReadOnly = false });
        GrantTelemetry(taskRole, telemetryLogs, telemetryMetrics);
        if (keepsKeyRing)
        {
            Stack.GrantKeyRing(taskRole, service.Name);
        }

        var isServer = project.Annotations.OfType<EndpointAnnotation>().Any(e => e.UriScheme is "http" or "https");
        var fargate = new FargateService(Stack, id, new FargateServiceProps
        {
            Cluster = _cluster!,
            TaskDefinition = task,
            // No desired count: on creation ECS starts one task and the scaling policy raises it to the minimum; on
            // every update the running count stays what scaling made it (a fixed count would cut a scaled-out service
            // back to the minimum with each deploy).
            SecurityGroups = [_serviceGroups[project]],
            VpcSubnets = Stack.AppSubnets,
            AssignPublicIp = false,
            MinHealthyPercent = 100,
            MaxHealthyPercent = 200,
            CircuitBreaker = new DeploymentCircuitBreaker { Enable = true, Rollback = true },
            PlatformVersion = FargatePlatformVersion.LATEST,
            PropagateTags = PropagatedTagSource.SERVICE,
            ServiceConnectConfiguration = new ServiceConnectProps
            {
                Services = isServer
                    ? [new ServiceConnectService { PortMappingName = "http", DnsName = service.Name, DiscoveryName = service.Name, Port = ServiceConfiguration.ContainerPort }]
                    : null,
                LogDriver = LogDriver.AwsLogs(new AwsLogDriverProps { LogGroup = logs, StreamPrefix = "service-connect" }),
            },
        });
        _services[project] = fargate;
        Add(task, new Suppression("AwsSolutions-ECS2",
            "Only non-secret configuration (names, URLs, flags) is plain environment; every secret is an ECS secret from Secrets Manager."));
        Add(task.ExecutionRole!, new Suppression("AwsSolutions-IAM5",
            "ecr:GetAuthorizationToken has no resource-level permissions (Resource '*'); pulls are limited to the service's repository."));

        // Each reference: network access and IAM permission, as the referenced resource's translator says.
        foreach (var target in touched.SelectMany(PlatformStack.Lineage).Distinct())
        {
            if (target is ProjectResource callee)
            {
                if (callee != project && _serviceGroups.TryGetValue(callee, out var calleeGroup))
                {
                    calleeGroup.Connections.AllowFrom(_serviceGroups[project], Port.Tcp(ServiceConfiguration.ContainerPort), $"{service.Name} to {callee.Name}");
                    _calls.Add((project, callee));
                }

                continue;
            }

            if (Stack.TranslatorOf(target) is not { } translator)
            {
                continue;
            }

            if (translator.IngressFor(target) is { } ingress)
            {
                ingress.Target.Connections.AllowFrom(_serviceGroups[project], Port.Tcp(ingress.Port), $"{service.Name} to {target.Name}");
            }

            translator.Grant(target, project, taskRole);
        }

        var scaling = fargate.AutoScaleTaskCount(new Amazon.CDK.AWS.ApplicationAutoScaling.EnableScalingProps
        {
            MinCapacity = Profile.MinTasks,
            MaxCapacity = Profile.MaxTasks,
        });
        scaling.ScaleOnCpuUtilization("Cpu", new CpuUtilizationScalingProps
        {
            TargetUtilizationPercent = 60,
            ScaleInCooldown = Duration.Minutes(5),
            ScaleOutCooldown = Duration.Minutes(1),
        });
        if (Profile.ContainerInsights)
        {
            Stack.WatchRunningTasks(service.Name, _cluster!, fargate);
        }

        Stack.Watch(fargate.MetricCpuUtilization(new Amazon.CDK.AWS.CloudWatch.MetricOptions { Period = Duration.Minutes(5) }), $"{service.Name} CPU",
            ComparisonOperator.GREATER_THAN_THRESHOLD, 85, $"{service.Name} runs hot even after scaling out.");

        if (IsPublic(service))
        {
            AttachToLoadBalancer(service, fargate, scaling, ref priority);
        }

        // A consumer scales on the depth of the queues it consumes.
        foreach (var consumed in project.Annotations.OfType<QueueAccessAnnotation>().Where(a => a.Access.HasFlag(QueueAccess.Consume)))
        {
            var queue = Stack.Translator<SqsQueueTranslator>().QueueOf(consumed.Queue);
            scaling.ScaleOnMetric($"{ServiceConfiguration.Sanitize(consumed.Queue.Name)}Depth", new Amazon.CDK.AWS.ApplicationAutoScaling.BasicStepScalingPolicyProps
            {
                Metric = queue.MetricApproximateNumberOfMessagesVisible(new Amazon.CDK.AWS.CloudWatch.MetricOptions { Period = Duration.Minutes(1), Statistic = "Maximum" }),
                AdjustmentType = Amazon.CDK.AWS.ApplicationAutoScaling.AdjustmentType.CHANGE_IN_CAPACITY,
                ScalingSteps =
                [
                    new Amazon.CDK.AWS.ApplicationAutoScaling.ScalingInterval { Upper = 0, Change = -1 },
                    new Amazon.CDK.AWS.ApplicationAutoScaling.ScalingInterval { Lower = 100, Change = 1 },
                    new Amazon.CDK.AWS.ApplicationAutoScaling.ScalingInterval { Lower = 1000, Change = 3 },
                ],
                Cooldown = Duration.Minutes(2),
            });
        }
    }

    private void AttachToLoadBalancer(PublishedService service, FargateService fargate, ScalableTaskCount scaling, ref int priority)
    {
        var id = ServiceConfiguration.Sanitize(service.Name);
        var targetGroup = new ApplicationTargetGroup(Stack, $"{id}Targets", new ApplicationTargetGroupProps
        {
            Vpc = Stack.Network,
            Port = ServiceConfiguration.ContainerPort,
            Protocol = ApplicationProtocol.HTTP,
            TargetType = TargetType.IP,
            DeregistrationDelay = Duration.Seconds(30),
            HealthCheck = new HealthCheck
            {
                Path = LivenessPath,
                HealthyHttpCodes = "200",
                Interval = Duration.Seconds(15),
                Timeout = Duration.Seconds(5),
                HealthyThresholdCount = 2,
                UnhealthyThresholdCount = 3,
                Protocol = Protocol.HTTP,
            },
            Targets = [fargate.LoadBalancerTarget(new LoadBalancerTargetOptions { ContainerName = "app", ContainerPort = ServiceConfiguration.ContainerPort })],
        });
        _serviceGroups[service.Resource].Connections.AllowFrom(Stack.LoadBalancerGroup, Port.Tcp(ServiceConfiguration.ContainerPort), $"load balancer to {service.Name}");

        if (PublicPaths(project: service.Resource) is { Count: > 0 } paths)
        {
            Stack.Listener.AddAction($"{id}Route", new AddApplicationActionProps
            {
                Priority = priority,
                Conditions = [ListenerCondition.PathPatterns([.. paths.SelectMany(p => new[] { p, $"{p}/*" })])],
                Action = ListenerAction.Forward([targetGroup]),
            });
            priority += 10;
        }
        else
        {
            Stack.Listener.AddAction($"{id}Default", new AddApplicationActionProps { Action = ListenerAction.Forward([targetGroup]) });
            CacheStaticAssetsAtTheEdge(service);
        }

        scaling.ScaleOnRequestCount("Requests", new RequestCountScalingProps
        {
            RequestsPerTarget = 500,
            TargetGroup = targetGroup,
            ScaleInCooldown = Duration.Minutes(5),
            ScaleOutCooldown = Duration.Minutes(1),
        });

        var errors = new MathExpression(new MathExpressionProps
        {
            Expression = "IF(requests > 0, 100 * errors / requests, 0)",
            UsingMetrics = new Dictionary<string, IMetric>
            {
                ["errors"] = targetGroup.Metrics.HttpCodeTarget(HttpCodeTarget.TARGET_5XX_COUNT, new Amazon.CDK.AWS.CloudWatch.MetricOptions { Statistic = "Sum", Period = Duration.Minutes(1) }),
                ["requests"] = targetGroup.Metrics.RequestCount(new Amazon.CDK.AWS.CloudWatch.MetricOptions { Statistic = "Sum", Period = Duration.Minutes(1) }),
            },
            Label = $"{service.Name} 5xx %",
            Period = Duration.Minutes(1),
        });
        Stack.WatchTargets(service.Name, targetGroup);
        Stack.Watch(errors, $"{service.Name} 5xx rate", ComparisonOperator.GREATER_THAN_THRESHOLD, 5, $"More than 5 % of {service.Name}'s responses are 5xx.", evaluationPeriods: 5);
        Stack.Watch(targetGroup.Metrics.TargetResponseTime(new Amazon.CDK.AWS.CloudWatch.MetricOptions { Statistic = "p99", Period = Duration.Minutes(1) }),
            $"{service.Name} latency p99", ComparisonOperator.GREATER_THAN_THRESHOLD, 2, $"{service.Name}'s p99 latency is above 2 s.", evaluationPeriods: 5);
    }

    /// <summary>
    /// The site's static files at the edge: a behavior per top-level folder of the project's wwwroot (css, js), cached
    /// and keyed by the 'v' query string asp-append-version adds, so a deploy with new files gets new cache entries.
    /// The minimum TTL of a day overrides the no-cache MapStaticAssets sends for names without a fingerprint.
    /// </summary>
    private void CacheStaticAssetsAtTheEdge(PublishedService service)
    {
        var projectPath = service.Resource.Annotations.OfType<IProjectMetadata>().Single().ProjectPath;
        var wwwroot = Path.Combine(Path.GetDirectoryName(projectPath)!, "wwwroot");
        if (!Directory.Exists(wwwroot))
        {
            return;
        }

        var folders = Directory.GetDirectories(wwwroot).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();
        if (folders.Count == 0)
        {
            return;
        }

        var policy = new CachePolicy(Stack, "StaticAssetsCache", new CachePolicyProps
        {
            Comment = "Static files of the site: a day at least, a year at most, one entry per version",
            MinTtl = Duration.Days(1),
            DefaultTtl = Duration.Days(1),
            MaxTtl = Duration.Days(365),
            QueryStringBehavior = CacheQueryStringBehavior.AllowList("v"),
            HeaderBehavior = CacheHeaderBehavior.None(),
            CookieBehavior = CacheCookieBehavior.None(),
            EnableAcceptEncodingGzip = true,
            EnableAcceptEncodingBrotli = true,
        });
        foreach (var folder in folders)
        {
            Stack.Distribution.AddBehavior($"/{folder}/*", Stack.SiteOrigin, new AddBehaviorOptions
            {
                ViewerProtocolPolicy = ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
                AllowedMethods = AllowedMethods.ALLOW_GET_HEAD,
                CachePolicy = policy,
                ResponseHeadersPolicy = Stack.EdgeResponseHeaders,
                Compress = true,
            });
        }
    }

    /// <summary>
    /// What the collector's exporters call, and nothing else: awsxray <c>xray:PutTraceSegments</c> (no resource-level
    /// permissions); awscloudwatchlogs and awsemf <c>logs:CreateLogStream</c> and <c>logs:PutLogEvents</c> on the two log
    /// groups of the stack. No <c>logs:CreateLogGroup</c>: the collector cannot create a group the stack does not own.
    /// </summary>
    private void GrantTelemetry(IRole taskRole, params Amazon.CDK.AWS.Logs.ILogGroup[] groups)
    {
        taskRole.AddToPrincipalPolicy(new PolicyStatement(new PolicyStatementProps
        {
            Actions = ["xray:PutTraceSegments"],
            Resources = ["*"],
        }));
        taskRole.AddToPrincipalPolicy(new PolicyStatement(new PolicyStatementProps
        {
            Actions = ["logs:CreateLogStream", "logs:PutLogEvents"],
            Resources = [.. groups.Select(g => g.LogGroupArn)],
        }));
        Add(taskRole,
            new Suppression("AwsSolutions-IAM5", "xray:PutTraceSegments supports no resource-level permissions (Resource '*'); bucket objects are granted as '<bucket>/<prefix>*' and the collector's two log groups as ':*' (their streams). No action has a wildcard."));
    }

    /// <summary>
    /// The container's own liveness probe, so ECS replaces a task whose process hangs (the Worker has no load balancer
    /// to notice). The .NET runtime images carry no curl or wget; bash's /dev/tcp asks Kestrel for the liveness path.
    /// </summary>
    private static Amazon.CDK.AWS.ECS.HealthCheck LivenessCheck() => new()
    {
        Command =
        [
            "CMD", "bash", "-c",
            $"exec 3<>/dev/tcp/127.0.0.1/{ServiceConfiguration.ContainerPort} && printf 'GET {LivenessPath} HTTP/1.1\\r\\nHost: localhost\\r\\nConnection: close\\r\\n\\r\\n' >&3 && head -n 1 <&3 | grep -q ' 200 '",
        ],
        Interval = Duration.Seconds(15),
        Timeout = Duration.Seconds(5),
        Retries = 3,
        // The Api migrates the schema before it listens.
        StartPeriod = Duration.Seconds(60),
    };

    public static bool IsPublic(ProjectResource project) =>
        PublicPaths(project).Count > 0 || project.Annotations.OfType<EndpointAnnotation>().Any(e => e.IsExternal);

    /// <summary>The paths CloudFront and the load balancer route to a service (<c>WithPublicPath</c>); none for the '/' service.</summary>
    public static IReadOnlyList<string> PublicPaths(ProjectResource project) =>
        project.Annotations.OfType<PublicPathAnnotation>().SelectMany(a => a.Paths).ToList();

    private static bool IsPublic(PublishedService service) => IsPublic(service.Resource);
}
