using Amazon.CDK.AWS.CloudFront;
using Amazon.CDK.AWS.Logs;

namespace Platform.AppHost.Aws;

/// <summary>
/// Everything that differs between the stages, in one table: sizes, counts, retention and protection. The translation
/// reads its stage's row and never asks which stage it is (docs/aws.md, "Stage profile"). Dev is cheap and destroyable;
/// prod is highly available and keeps its data.
/// </summary>
public sealed record StageProfile
{
    // -------- network --------
    /// <summary>Availability zones the VPC spans (their names come from cdk.context.json).</summary>
    public required int AvailabilityZones { get; init; }

    /// <summary>One NAT gateway per zone (an AZ outage leaves the others their egress), or a single one.</summary>
    public required bool NatGatewayPerZone { get; init; }

    /// <summary>
    /// Interface endpoints (SQS, ECR, CloudWatch Logs, Secrets Manager) in every zone, so the tasks' AWS calls do not
    /// depend on the NAT gateways; without them the NAT gateway carries those calls. S3's gateway endpoint is always there.
    /// </summary>
    public required bool InterfaceEndpoints { get; init; }

    // -------- protection and retention --------
    /// <summary>CloudFormation termination protection, RDS and load balancer deletion protection.</summary>
    public required bool DeletionProtection { get; init; }

    /// <summary>Keys, log groups and a final database snapshot outlive the stack (buckets always do: <see cref="PlatformStack.BucketRemovalPolicy"/>).</summary>
    public required bool RetainDataOnDelete { get; init; }

    /// <summary>Days a deleted KMS key can still be recovered.</summary>
    public required int KeyPendingWindowDays { get; init; }

    /// <summary>Days CloudWatch keeps logs (a value CloudWatch Logs offers: 7, 365, …).</summary>
    public required int LogRetentionDays { get; init; }

    public RetentionDays LogRetention => LogRetentionDays switch
    {
        7 => RetentionDays.ONE_WEEK,
        30 => RetentionDays.ONE_MONTH,
        90 => RetentionDays.THREE_MONTHS,
        365 => RetentionDays.ONE_YEAR,
        var other => throw new InvalidOperationException($"{other} days is not a log retention this profile maps."),
    };

    public required int AccessLogDays { get; init; }

    public required int AuditTrailDays { get; init; }

    // -------- database --------
    /// <summary>The RDS instance class of the primary and the replica, as <c>family.size</c>.</summary>
    public required string DatabaseInstanceType { get; init; }

    /// <summary>A standby in another zone with automatic failover, for the database and the cache.</summary>
    public required bool MultiAz { get; init; }

    public required int DatabaseStorageGiB { get; init; }

    public required int DatabaseMaxStorageGiB { get; init; }

    public required int DatabaseBackupDays { get; init; }

    /// <summary>The connection count that raises an alarm (near the instance class's max_connections).</summary>
    public required int DatabaseConnectionsAlarm { get; init; }

    public required double DatabaseFreeStorageAlarmGiB { get; init; }

    // -------- cache --------
    public required string CacheNodeType { get; init; }

    public required int CacheNodes { get; init; }

    public required int CacheSnapshotDays { get; init; }

    // -------- services --------
    /// <summary>Fargate task CPU units (one of Fargate's task sizes together with <see cref="TaskMemoryMiB"/>).</summary>
    public required int TaskCpu { get; init; }

    public required int TaskMemoryMiB { get; init; }

    public required int MinTasks { get; init; }

    public required int MaxTasks { get; init; }

    /// <summary>
    /// Container Insights on the cluster (about 50 custom metrics a stage at 0.30 USD each, eng/aws/checks/cost.mjs) and
    /// the tasks-below-desired alarms that read its metrics. Off in dev, whose single tasks the load balancer's
    /// no-healthy-target alarms (Api, Web) and the queue-age alarm (Worker) watch, to keep dev within its budget.
    /// </summary>
    public required bool ContainerInsights { get; init; }

    // -------- edge --------
    public required PriceClass EdgePriceClass { get; init; }

    public static StageProfile Dev { get; } = new()
    {
        AvailabilityZones = 2,
        NatGatewayPerZone = false,
        InterfaceEndpoints = false,
        DeletionProtection = false,
        RetainDataOnDelete = false,
        KeyPendingWindowDays = 7,
        LogRetentionDays = 7,
        AccessLogDays = 30,
        AuditTrailDays = 90,
        DatabaseInstanceType = "t4g.micro",
        MultiAz = false,
        DatabaseStorageGiB = 20,
        DatabaseMaxStorageGiB = 50,
        DatabaseBackupDays = 7,
        DatabaseConnectionsAlarm = 60,
        DatabaseFreeStorageAlarmGiB = 2,
        CacheNodeType = "cache.t4g.micro",
        CacheNodes = 1,
        CacheSnapshotDays = 0,
        // A quarter vCPU per task: dev carries functional checks, not load (it scales out to MaxTasks when it must).
        TaskCpu = 256,
        TaskMemoryMiB = 1024,
        MinTasks = 1,
        MaxTasks = 2,
        ContainerInsights = false,
        EdgePriceClass = PriceClass.PRICE_CLASS_100,
    };

    public static StageProfile Prod { get; } = new()
    {
        AvailabilityZones = 3,
        NatGatewayPerZone = true,
        InterfaceEndpoints = true,
        DeletionProtection = true,
        RetainDataOnDelete = true,
        KeyPendingWindowDays = 30,
        LogRetentionDays = 365,
        AccessLogDays = 365,
        AuditTrailDays = 2555,
        DatabaseInstanceType = "m7g.large",
        MultiAz = true,
        DatabaseStorageGiB = 100,
        DatabaseMaxStorageGiB = 1000,
        DatabaseBackupDays = 14,
        DatabaseConnectionsAlarm = 400,
        DatabaseFreeStorageAlarmGiB = 20,
        CacheNodeType = "cache.m7g.large",
        CacheNodes = 2,
        CacheSnapshotDays = 7,
        TaskCpu = 1024,
        TaskMemoryMiB = 2048,
        MinTasks = 2,
        MaxTasks = 10,
        ContainerInsights = true,
        EdgePriceClass = PriceClass.PRICE_CLASS_ALL,
    };

    public static StageProfile For(DeploymentStage stage) => stage switch
    {
        DeploymentStage.Dev => Dev,
        DeploymentStage.Prod => Prod,
        _ => throw new ArgumentOutOfRangeException(nameof(stage), stage, "No profile for this stage."),
    };
}
