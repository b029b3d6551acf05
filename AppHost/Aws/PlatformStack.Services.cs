using Amazon.CDK;
using Amazon.CDK.AWS.CloudWatch;
using Amazon.CDK.AWS.EC2;
using Amazon.CDK.AWS.ECR;
using Amazon.CDK.AWS.ECS;
using Amazon.CDK.AWS.ElasticLoadBalancingV2;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.Logs;
using Amazon.CDK.AWS.ServiceDiscovery;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using static Platform.AppHost.Aws.PolicySuppressions;
using HealthCheck = Amazon.CDK.AWS.ElasticLoadBalancingV2.HealthCheck;
using Protocol = Amazon.CDK.AWS.ElasticLoadBalancingV2.Protocol;

using IResource = Aspire.Hosting.ApplicationModel.IResource;

namespace Platform.AppHost.Aws;

public sealed partial class PlatformStack
{
    /// <summary>The ADOT collector: receives the services' OTLP on localhost and sends traces to X-Ray, metrics to CloudWatch.</summary>
    public const string CollectorImage = "public.ecr.aws/aws-observability/aws-otel-collector:v0.42.0";

    public const string HealthPath = "/health";

    /// <summary>The collector's hard memory limit (MiB); the app container gets the rest of the task's memory.</summary>
    private const int CollectorMemory = 256;

    private readonly Dictionary<ProjectResource, SecurityGroup> _serviceGroups = [];
    private readonly Dictionary<ProjectResource, FargateService> _services = [];

    private Cluster? _cluster;
    private ApplicationLoadBalancer? _loadBalancer;
    private SecurityGroup? _loadBalancerGroup;

    public ApplicationLoadBalancer LoadBalancer => _loadBalancer ?? throw new InvalidOperationException("No services yet.");

    private void TranslateServices()
    {
        _cluster = new Cluster(this, "Cluster", new ClusterProps
        {
            Vpc = Network,
            ContainerInsights = true,
            // Service Connect: every service finds another as http://{name}:8080, as Aspire's service discovery does locally.
            DefaultCloudMapNamespace = new CloudMapNamespaceOptions { Name = $"platform-{_settings.StageName}.internal", Type = NamespaceType.HTTP, UseForServiceConnect = true },
        });
        CreateLoadBalancer();

        foreach (var service in _model.Services)
        {
            Configuration.RegisterService(service.Resource, service.Name);
            _serviceGroups[service.Resource] = new SecurityGroup(this, $"{ServiceConfiguration.Sanitize(service.Name)}SecurityGroup", new SecurityGroupProps
            {
                Vpc = Network,
                Description = $"{service.Name}: the Fargate tasks. Inbound only from the load balancer and the services that call it.",
                // Outbound: AWS APIs (endpoints, NAT), the collector image, the data stores.
                AllowAllOutbound = true,
            });
        }

        var listener = CreateListeners();
        var priority = 10;
        foreach (var service in _model.Services)
        {
            TranslateService(service, listener, ref priority);
        }
    }

    private void CreateLoadBalancer()
    {
        _loadBalancerGroup = new SecurityGroup(this, "LoadBalancerSecurityGroup", new SecurityGroupProps
        {
            Vpc = Network,
            Description = "The load balancer: only CloudFront's origin-facing addresses reach it, so the WAF cannot be bypassed.",
            AllowAllOutbound = false,
        });
        // One rule only: CloudFront's prefix list counts as about 55 rules against the security group's quota of 60, so
        // with a certificate only HTTPS is open (CloudFront never uses the HTTP listener, which just redirects).
        var cloudFront = Peer.PrefixList(_settings.CloudFrontOriginPrefixListId);
        if (_settings.CertificateArn is null)
        {
            _loadBalancerGroup.AddIngressRule(cloudFront, Port.Tcp(80), "HTTP from CloudFront");
        }
        else
        {
            _loadBalancerGroup.AddIngressRule(cloudFront, Port.Tcp(443), "HTTPS from CloudFront");
        }

        _loadBalancer = new ApplicationLoadBalancer(this, "LoadBalancer", new ApplicationLoadBalancerProps
        {
            Vpc = Network,
            InternetFacing = true,
            VpcSubnets = new SubnetSelection { SubnetGroupName = "public" },
            SecurityGroup = _loadBalancerGroup,
            DropInvalidHeaderFields = true,
            DeletionProtection = _settings.IsProduction,
        });
        _loadBalancer.LogAccessLogs(LogsBucket, "alb");
        if (!_settings.IsProduction)
        {
            Add(_loadBalancer, new Suppression("CT.ELASTICLOADBALANCING.PR.5", "dev is destroyable by design; prod has deletion protection."));
        }
    }

    /// <summary>HTTPS with the certificate when one is given (and HTTP redirected to it); else HTTP only, behind CloudFront.</summary>
    private ApplicationListener CreateListeners()
    {
        var defaultService = _model.Services.Where(s => IsPublic(s) && PublicPath(s) is null).ToList();
        if (defaultService.Count != 1)
        {
            throw new InvalidOperationException(
                $"The load balancer needs exactly one service with external HTTP endpoints and no public path for '/'; the model has {defaultService.Count}: {string.Join(", ", defaultService.Select(s => s.Name))}.");
        }

        if (_settings.CertificateArn is { } certificate)
        {
            LoadBalancer.AddListener("Http", new BaseApplicationListenerProps
            {
                Port = 80,
                Open = false,
                DefaultAction = ListenerAction.Redirect(new RedirectOptions { Protocol = "HTTPS", Port = "443", Permanent = true }),
            });
            return LoadBalancer.AddListener("Https", new BaseApplicationListenerProps
            {
                Port = 443,
                Protocol = ApplicationProtocol.HTTPS,
                Open = false,
                Certificates = [ListenerCertificate.FromArn(certificate)],
                SslPolicy = SslPolicy.RECOMMENDED_TLS,
            });
        }

        // The default action is the '/' service's, added with it.
        var http = LoadBalancer.AddListener("Http", new BaseApplicationListenerProps { Port = 80, Open = false });
        Add(http, new Suppression("CT.ELASTICLOADBALANCING.PR.1",
            "Without 'certificateArn' there is no HTTPS listener to redirect to: browsers get HTTPS from CloudFront, and only CloudFront's addresses reach this listener."));
        return http;
    }

    private void TranslateService(PublishedService service, ApplicationListener listener, ref int priority)
    {
        var project = service.Resource;
        var id = ServiceConfiguration.Sanitize(service.Name);

        // Configuration first: every value mapped, or the publish stops naming the key.
        var touched = new HashSet<IResource>();
        var environment = new SortedDictionary<string, string>(StringComparer.Ordinal);
        var secrets = new SortedDictionary<string, Amazon.CDK.AWS.ECS.Secret>(StringComparer.Ordinal);
        foreach (var (key, value) in service.Environment)
        {
            switch (Configuration.Map(service.Name, key, value, touched))
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
        environment["OTEL_RESOURCE_ATTRIBUTES"] = $"deployment.environment={_settings.StageName},service.namespace=platform";

        var logs = CreateLogGroup($"{id}Logs");
        var taskRole = new Role(this, $"{id}TaskRole", new RoleProps
        {
            AssumedBy = new ServicePrincipal("ecs-tasks.amazonaws.com"),
            Description = $"{service.Name}: exactly what the service's references need, and the collector's telemetry writes.",
        });
        var task = new FargateTaskDefinition(this, $"{id}Task", new FargateTaskDefinitionProps
        {
            Cpu = _settings.IsProduction ? 1024 : 512,
            MemoryLimitMiB = _settings.IsProduction ? 2048 : 1024,
            TaskRole = taskRole,
            RuntimePlatform = new RuntimePlatform { CpuArchitecture = CpuArchitecture.X86_64, OperatingSystemFamily = OperatingSystemFamily.LINUX },
        });
        var repository = Repository.FromRepositoryName(this, $"{id}Repository", ImagesStack.RepositoryName(service.Name));
        // Read-only root file systems; each container gets a private, writable /tmp (the .NET runtime's diagnostics
        // sockets live there).
        task.AddVolume(new Amazon.CDK.AWS.ECS.Volume { Name = "app-tmp" });
        task.AddVolume(new Amazon.CDK.AWS.ECS.Volume { Name = "collector-tmp" });
        var app = task.AddContainer("app", new ContainerDefinitionOptions
        {
            Image = ContainerImage.FromEcrRepository(repository, ImageTag.ValueAsString),
            Essential = true,
            // The .NET images' non-root 'app' user (dotnet publish -t:PublishContainer uses it by default).
            User = "1654",
            ReadonlyRootFilesystem = true,
            MemoryLimitMiB = (_settings.IsProduction ? 2048 : 1024) - CollectorMemory,
            Environment = environment.ToDictionary(e => e.Key, e => e.Value),
            Secrets = secrets.ToDictionary(e => e.Key, e => e.Value),
            PortMappings = [new PortMapping { Name = "http", ContainerPort = ServiceConfiguration.ContainerPort, AppProtocol = AppProtocol.Http }],
            Logging = LogDriver.AwsLogs(new AwsLogDriverProps { LogGroup = logs, StreamPrefix = "app" }),
        });
        app.AddMountPoints(new MountPoint { SourceVolume = "app-tmp", ContainerPath = "/tmp", ReadOnly = false });
        var collector = task.AddContainer("otel-collector", new ContainerDefinitionOptions
        {
            Image = ContainerImage.FromRegistry(CollectorImage),
            Command = ["--config=/etc/ecs/ecs-default-config.yaml"],
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
        GrantTelemetry(taskRole);

        var isServer = project.Annotations.OfType<EndpointAnnotation>().Any(e => e.UriScheme is "http" or "https");
        var fargate = new FargateService(this, id, new FargateServiceProps
        {
            Cluster = _cluster!,
            TaskDefinition = task,
            DesiredCount = _settings.IsProduction ? 2 : 1,
            SecurityGroups = [_serviceGroups[project]],
            VpcSubnets = AppSubnets,
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

        // Each reference: network access and IAM permission.
        foreach (var target in touched.SelectMany(Lineage).Distinct())
        {
            if (_networkTargets.TryGetValue(target, out var network))
            {
                network.Target.Connections.AllowFrom(_serviceGroups[project], Port.Tcp(network.Port), $"{service.Name} to {target.Name}");
            }

            if (target is ProjectResource callee && _serviceGroups.TryGetValue(callee, out var calleeGroup) && callee != project)
            {
                calleeGroup.Connections.AllowFrom(_serviceGroups[project], Port.Tcp(ServiceConfiguration.ContainerPort), $"{service.Name} to {callee.Name}");
            }

            GrantAccess(project, taskRole, target);
        }

        var scaling = fargate.AutoScaleTaskCount(new Amazon.CDK.AWS.ApplicationAutoScaling.EnableScalingProps
        {
            MinCapacity = _settings.IsProduction ? 2 : 1,
            MaxCapacity = _settings.IsProduction ? 10 : 2,
        });
        scaling.ScaleOnCpuUtilization("Cpu", new CpuUtilizationScalingProps
        {
            TargetUtilizationPercent = 60,
            ScaleInCooldown = Duration.Minutes(5),
            ScaleOutCooldown = Duration.Minutes(1),
        });
        Watch(fargate.MetricCpuUtilization(new Amazon.CDK.AWS.CloudWatch.MetricOptions { Period = Duration.Minutes(5) }), $"{service.Name} CPU",
            ComparisonOperator.GREATER_THAN_THRESHOLD, 85, $"{service.Name} runs hot even after scaling out.");

        if (IsPublic(service))
        {
            AttachToLoadBalancer(service, fargate, listener, scaling, ref priority);
        }

        // A consumer scales on the depth of the queues it consumes.
        foreach (var consumed in project.Annotations.OfType<QueueAccessAnnotation>().Where(a => a.Access.HasFlag(QueueAccess.Consume)))
        {
            var queue = _queues[consumed.Queue].Queue;
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

    private void AttachToLoadBalancer(PublishedService service, FargateService fargate, ApplicationListener listener,
        ScalableTaskCount scaling, ref int priority)
    {
        var id = ServiceConfiguration.Sanitize(service.Name);
        var targetGroup = new ApplicationTargetGroup(this, $"{id}Targets", new ApplicationTargetGroupProps
        {
            Vpc = Network,
            Port = ServiceConfiguration.ContainerPort,
            Protocol = ApplicationProtocol.HTTP,
            TargetType = TargetType.IP,
            DeregistrationDelay = Duration.Seconds(30),
            HealthCheck = new HealthCheck
            {
                Path = HealthPath,
                HealthyHttpCodes = "200",
                Interval = Duration.Seconds(15),
                Timeout = Duration.Seconds(5),
                HealthyThresholdCount = 2,
                UnhealthyThresholdCount = 3,
                Protocol = Protocol.HTTP,
            },
            Targets = [fargate.LoadBalancerTarget(new LoadBalancerTargetOptions { ContainerName = "app", ContainerPort = ServiceConfiguration.ContainerPort })],
        });
        _serviceGroups[service.Resource].Connections.AllowFrom(_loadBalancerGroup!, Port.Tcp(ServiceConfiguration.ContainerPort), $"load balancer to {service.Name}");

        if (PublicPath(service) is { } path)
        {
            listener.AddAction($"{id}Route", new AddApplicationActionProps
            {
                Priority = priority,
                Conditions = [ListenerCondition.PathPatterns([path, $"{path}/*"])],
                Action = ListenerAction.Forward([targetGroup]),
            });
            priority += 10;
        }
        else
        {
            listener.AddAction($"{id}Default", new AddApplicationActionProps { Action = ListenerAction.Forward([targetGroup]) });
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
        Watch(errors, $"{service.Name} 5xx rate", ComparisonOperator.GREATER_THAN_THRESHOLD, 5, $"More than 5 % of {service.Name}'s responses are 5xx.", evaluationPeriods: 5);
        Watch(targetGroup.Metrics.TargetResponseTime(new Amazon.CDK.AWS.CloudWatch.MetricOptions { Statistic = "p99", Period = Duration.Minutes(1) }),
            $"{service.Name} latency p99", ComparisonOperator.GREATER_THAN_THRESHOLD, 2, $"{service.Name}'s p99 latency is above 2 s.", evaluationPeriods: 5);
    }

    /// <summary>What the ADOT collector writes: X-Ray segments and CloudWatch metrics (neither has resource-level permissions).</summary>
    private void GrantTelemetry(IRole taskRole)
    {
        taskRole.AddToPrincipalPolicy(new PolicyStatement(new PolicyStatementProps
        {
            Actions = ["xray:PutTraceSegments", "xray:PutTelemetryRecords", "xray:GetSamplingRules", "xray:GetSamplingTargets", "xray:GetSamplingStatisticSummaries"],
            Resources = ["*"],
        }));
        taskRole.AddToPrincipalPolicy(new PolicyStatement(new PolicyStatementProps
        {
            Actions = ["cloudwatch:PutMetricData"],
            Resources = ["*"],
            Conditions = new Dictionary<string, object> { ["StringEquals"] = new Dictionary<string, object> { ["cloudwatch:namespace"] = "ECS/AWSOTel/Application" } },
        }));
        // The collector's default ECS pipeline sends metrics as embedded metric format logs to this log group.
        taskRole.AddToPrincipalPolicy(new PolicyStatement(new PolicyStatementProps
        {
            Actions = ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
            Resources = [$"arn:{Amazon.CDK.Aws.PARTITION}:logs:{Region}:{Amazon.CDK.Aws.ACCOUNT_ID}:log-group:/aws/ecs/application/metrics:*"],
        }));
        Add(taskRole,
            new Suppression("AwsSolutions-IAM5", "X-Ray and cloudwatch:PutMetricData support no resource-level permissions (Resource '*', limited by namespace); bucket objects are granted as '<bucket>/<prefix>*' and the collector's log group as ':*' streams. No action has a wildcard."));
    }

    /// <summary>The lineage of a resource (a database's server, a connection's primary): a reference reaches all of it.</summary>
    private static IEnumerable<IResource> Lineage(IResource resource)
    {
        for (IResource? r = resource; r is not null; r = (r as IResourceWithParent)?.Parent)
        {
            yield return r;
        }
    }

    private static bool IsPublic(PublishedService service) =>
        PublicPath(service) is not null || service.Resource.Annotations.OfType<EndpointAnnotation>().Any(e => e.IsExternal);

    private static string? PublicPath(PublishedService service) =>
        service.Resource.Annotations.OfType<PublicPathAnnotation>().SingleOrDefault()?.Path;
}
