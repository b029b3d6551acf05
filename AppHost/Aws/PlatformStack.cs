using Amazon.CDK;
using Amazon.CDK.AWS.CloudWatch;
using Amazon.CDK.AWS.CloudWatch.Actions;
using Amazon.CDK.AWS.EC2;
using Amazon.CDK.AWS.KMS;
using Amazon.CDK.AWS.Logs;
using Amazon.CDK.AWS.S3;
using Amazon.CDK.AWS.SNS;
using Aspire.Hosting.ApplicationModel;
using Constructs;
using Platform.AppHost.Aws.Translators;
using static Platform.AppHost.Aws.PolicySuppressions;

using IResource = Aspire.Hosting.ApplicationModel.IResource;

namespace Platform.AppHost.Aws;

/// <summary>
/// The application stack (<c>Platform-dev</c>, <c>Platform-prod</c>), translated from the app model. The foundation
/// (keys, network, logs, audit, the load balancer and the edge) is fixed (<see cref="PlatformStack"/>.Foundation/.Edge);
/// everything else follows the model: each resource is built by the translator its <see cref="AwsFormAnnotation"/>
/// names (AppHost/Aws/Translators), each project becomes a Fargate service, each reference configuration + a security
/// group rule + an IAM grant. What differs between stages is one <see cref="StageProfile"/>.
/// </summary>
public sealed partial class PlatformStack : Stack
{
    private readonly Dictionary<Type, IAwsResourceTranslator> _translators = [];
    private readonly List<Alarm> _alarms = [];

    public PlatformStack(Construct scope, PublishedModel model, AwsDeploymentSettings settings, IReadOnlyList<string> availabilityZones)
        : base(scope, settings.StackName, new StackProps
        {
            // Region only: the account is the deploying credentials' (AWS::AccountId), so one template fits every
            // account and synthesis never looks anything up.
            Env = new Amazon.CDK.Environment { Region = settings.Region },
            Synthesizer = CdkBootstrap.Synthesizer(settings.Stage),
            Description = $"Platform ({settings.StageName}): the media library's web, api and worker on ECS Fargate, RDS, ElastiCache, S3, SQS, CloudFront.",
            TerminationProtection = StageProfile.For(settings.Stage).DeletionProtection,
        })
    {
        Settings = settings;
        Profile = StageProfile.For(settings.Stage);
        Model = model;
        Amazon.CDK.Tags.Of(this).Add("platform:stage", settings.StageName);

        Key = new Key(this, "DataKey", new KeyProps
        {
            Description = $"Platform {settings.StageName}: encrypts the database, cache, bucket, queues, secrets and audit trail.",
            EnableKeyRotation = true,
            PendingWindow = Duration.Days(Profile.KeyPendingWindowDays),
            RemovalPolicy = DataRemovalPolicy,
        });
        AllowServicesToUseKey();

        Network = CreateNetwork(availabilityZones);
        LogsBucket = CreateLogsBucket();
        CreateAuditTrail();
        AlarmTopic = CreateAlarmTopic();

        Configuration = new ServiceConfiguration(this, Key, Region);
        CreateLoadBalancer();
        CreateEdge();
        TranslateModel();
        CreateNetworkAcls();
        FinishEdge();
        CreateDashboard();
        PublishOutputs();
    }

    public AwsDeploymentSettings Settings { get; }

    public StageProfile Profile { get; }

    public PublishedModel Model { get; }

    public IKey Key { get; }

    public Vpc Network { get; }

    public Bucket LogsBucket { get; }

    public Topic AlarmTopic { get; }

    /// <summary>
    /// The parameter with the digest of <paramref name="service"/>'s image: a digest, not a tag, so every stage runs the
    /// very bytes the deploy workflow built once and dev ran (docs/aws.md, "Deploy to AWS").
    /// </summary>
    public CfnParameter ImageDigest(string service) => new(this, ImagesStack.DigestParameterName(service), new CfnParameterProps
    {
        Type = "String",
        Description = $"The digest of the {service} image in ECR (sha256:…), as the deploy workflow built and pushed it.",
        AllowedPattern = "^sha256:[a-f0-9]{64}$",
    });

    public ServiceConfiguration Configuration { get; }

    /// <summary>What happens to keys, log groups and similar data when the stack goes: kept in prod, gone in dev.</summary>
    public RemovalPolicy DataRemovalPolicy => Profile.RetainDataOnDelete ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;

    /// <summary>
    /// Buckets outlive the stack in every stage: CloudFormation deletes only empty buckets, so a bucket it owned would
    /// make <c>cdk destroy</c> fail the moment it held an object, and emptying it needs a Lambda-backed custom resource
    /// (an asset) this stack avoids. In dev, eng/aws/destroy.sh deletes the stack and then empties and removes them.
    /// </summary>
    public static RemovalPolicy BucketRemovalPolicy => RemovalPolicy.RETAIN;

    public SubnetSelection AppSubnets => new() { SubnetGroupName = "app" };

    public SubnetSelection DataSubnets => new() { SubnetGroupName = "data" };

    /// <summary>
    /// Each resource to its translator: the one its <see cref="AwsFormAnnotation"/> names; projects are Fargate services;
    /// parameters are values services receive; a resource inside one that has a form (a database on its server) is part
    /// of it. Anything else has no AWS form and stops the publish, naming it. Services come last: they reference the rest.
    /// </summary>
    private void TranslateModel()
    {
        var byTranslator = new List<(IAwsResourceTranslator Translator, List<IResource> Resources)>();
        foreach (var resource in Model.Resources)
        {
            if (TranslatorOf(resource) is { } translator)
            {
                var group = byTranslator.FirstOrDefault(g => g.Translator == translator);
                if (group.Translator is null)
                {
                    byTranslator.Add(group = (translator, []));
                }

                group.Resources.Add(resource);
            }
            else if (resource is not (ParameterResource or ProjectResource) && !Lineage(resource).Skip(1).Any(r => TranslatorOf(r) is not null))
            {
                throw NoAwsForm(resource);
            }
        }

        foreach (var (translator, resources) in byTranslator)
        {
            translator.Translate(resources);
        }

        Translator<FargateServiceTranslator>().Translate([.. Model.Services.Select(s => s.Resource)]);
    }

    /// <summary>The translator a resource's annotation names (one instance per stack), or null.</summary>
    public IAwsResourceTranslator? TranslatorOf(IResource resource) =>
        resource.Annotations.OfType<AwsFormAnnotation>().SingleOrDefault() is { } form ? Translator(form.Translator) : null;

    public T Translator<T>() where T : IAwsResourceTranslator => (T)Translator(typeof(T));

    private IAwsResourceTranslator Translator(Type type)
    {
        if (!_translators.TryGetValue(type, out var translator))
        {
            _translators[type] = translator = (IAwsResourceTranslator)Activator.CreateInstance(type, this)!;
        }

        return translator;
    }

    /// <summary>The lineage of a resource (a database's server, a connection's primary): a reference reaches all of it.</summary>
    public static IEnumerable<IResource> Lineage(IResource resource)
    {
        for (IResource? r = resource; r is not null; r = (r as IResourceWithParent)?.Parent)
        {
            yield return r;
        }
    }

    /// <summary>A log group encrypted with the data key, kept as long as the stage's profile says.</summary>
    public LogGroup CreateLogGroup(string id)
    {
        var group = new LogGroup(this, id, new LogGroupProps
        {
            EncryptionKey = Key,
            Retention = Profile.LogRetention,
            RemovalPolicy = DataRemovalPolicy,
        });
        if (Profile.LogRetentionDays < 365)
        {
            Add(group, new Suppression("CT.CLOUDWATCH.PR.2", "dev keeps logs a week to stay cheap and destroyable; prod keeps them a year."));
        }

        return group;
    }

    /// <summary>
    /// An alarm on <paramref name="metric"/> to the alarm topic (alarm and OK), also shown on the dashboard. Missing data
    /// is not breaching unless the caller says otherwise: most AWS metrics are published only when something happens
    /// (5xx counts, evictions); a metric whose absence itself means trouble passes <see cref="TreatMissingData.BREACHING"/>.
    /// </summary>
    public Alarm Watch(IMetric metric, string name, ComparisonOperator comparison, double threshold, string description, int evaluationPeriods = 3,
        int? datapointsToAlarm = null, TreatMissingData? missingData = null)
    {
        var alarm = new Alarm(this, $"Alarm{ServiceConfiguration.Sanitize(name)}", new AlarmProps
        {
            Metric = metric,
            Threshold = threshold,
            ComparisonOperator = comparison,
            EvaluationPeriods = evaluationPeriods,
            DatapointsToAlarm = datapointsToAlarm ?? Math.Min(2, evaluationPeriods),
            TreatMissingData = missingData ?? TreatMissingData.NOT_BREACHING,
            AlarmDescription = $"Platform {Settings.StageName}: {description}",
        });
        alarm.AddAlarmAction(new SnsAction(AlarmTopic));
        alarm.AddOkAction(new SnsAction(AlarmTopic));
        _alarms.Add(alarm);
        return alarm;
    }

    /// <summary>
    /// S3 event notifications to EventBridge, set on the L1 bucket: the L2 <c>EventBridgeEnabled</c> deploys a
    /// Lambda-backed custom resource for it, an asset this stack has none of.
    /// </summary>
    public static void SendEventsToEventBridge(Bucket bucket) =>
        ((CfnBucket)bucket.Node.DefaultChild!).NotificationConfiguration = new CfnBucket.NotificationConfigurationProperty
        {
            EventBridgeConfiguration = new CfnBucket.EventBridgeConfigurationProperty { EventBridgeEnabled = true },
        };

    private void CreateDashboard()
    {
        var dashboard = new Dashboard(this, "Dashboard", new DashboardProps
        {
            DashboardName = $"Platform-{Settings.StageName}",
            DefaultInterval = Duration.Hours(3),
        });
        dashboard.AddWidgets(new AlarmStatusWidget(new AlarmStatusWidgetProps
        {
            Title = "Alarms",
            Alarms = [.. _alarms],
            Width = 24,
            Height = 4,
        }));
        var graphs = _alarms.Select(alarm => (IWidget)new AlarmWidget(new AlarmWidgetProps { Alarm = alarm, Title = alarm.Node.Id, Width = 8, Height = 6 })).ToArray();
        for (var i = 0; i < graphs.Length; i += 3)
        {
            dashboard.AddWidgets(graphs[i..Math.Min(i + 3, graphs.Length)]);
        }

        AddMediaPipelineWidgets(dashboard);
    }

    /// <summary>
    /// The media pipeline, from the application's own metrics (the collector's awsemf exporter; each one is a
    /// <see cref="Telemetry.CollectorConfiguration.Metrics"/> entry, the only ones it turns into CloudWatch metrics), for
    /// each service that consumes a queue.
    /// </summary>
    private void AddMediaPipelineWidgets(Dashboard dashboard)
    {
        var ns = Telemetry.CollectorConfiguration.Namespace(Settings.StageName);
        foreach (var service in Model.Services.Where(s => s.Resource.Annotations.OfType<Aspire.Hosting.QueueAccessAnnotation>()
            .Any(a => a.Access.HasFlag(Aspire.Hosting.QueueAccess.Consume))))
        {
            Metric App(string name, string statistic, string label) => new(new MetricProps
            {
                Namespace = ns,
                MetricName = name,
                DimensionsMap = new Dictionary<string, string> { [Telemetry.CollectorConfiguration.ServiceDimension] = service.Name },
                Statistic = statistic,
                Period = Duration.Minutes(5),
                Label = label,
            });

            dashboard.AddWidgets(
                new GraphWidget(new GraphWidgetProps
                {
                    Title = $"{service.Name}: media items",
                    Left = [App("platform.media.processed", "Sum", "processed"), App("platform.media.failed", "Sum", "failed"), App("platform.queue.dead_lettered", "Sum", "dead-lettered")],
                    Width = 8,
                    Height = 6,
                }),
                new GraphWidget(new GraphWidgetProps
                {
                    Title = $"{service.Name}: processing time (s)",
                    Left = [App("platform.media.processing.duration", "Average", "average"), App("platform.media.processing.duration", "Maximum", "maximum")],
                    Width = 8,
                    Height = 6,
                }),
                new GraphWidget(new GraphWidgetProps
                {
                    Title = $"{service.Name}: queue lag (s)",
                    Left = [App("platform.queue.lag", "Average", "average"), App("platform.queue.lag", "Maximum", "maximum")],
                    Width = 8,
                    Height = 6,
                }));
        }
    }

    private static InvalidOperationException NoAwsForm(IResource resource) => new(
        $"The resource '{resource.Name}' ({resource.GetType().Name}) has no AWS form: give it one in AppHost/Hosting (its Add… " +
        "extension adds an AwsFormAnnotation naming its translator in AppHost/Aws/Translators), or keep it out of the published model.");
}
