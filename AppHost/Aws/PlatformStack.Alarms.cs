using Amazon.CDK;
using Amazon.CDK.AWS.CloudWatch;
using Amazon.CDK.AWS.ECS;
using Amazon.CDK.AWS.ElastiCache;
using Amazon.CDK.AWS.ElasticLoadBalancingV2;
using Amazon.CDK.AWS.RDS;

namespace Platform.AppHost.Aws;

/// <summary>
/// The alarms that page: each failure mode of the platform has one (docs/aws.md, "Alarms and telemetry"), on the
/// metric, statistic and dimension set the AWS service really publishes (the rule alarm-metrics of eng/aws/checks
/// holds every alarm of the template to that). Every alarm notifies the alarm topic when it fires and when it clears.
/// </summary>
public sealed partial class PlatformStack
{
    /// <summary>
    /// CloudFront publishes its metrics in us-east-1 only, with the dimensions <c>DistributionId</c> and
    /// <c>Region=Global</c> (Amazon CloudFront Developer Guide, "Monitoring CloudFront metrics with Amazon CloudWatch").
    /// An alarm without <c>Region</c> names a metric that never gets a data point. The stack is in us-east-1
    /// (<see cref="AwsDeploymentSettings"/> refuses any other region), so the alarm lives beside the distribution.
    /// </summary>
    private void WatchEdge()
    {
        var errorRate = new Metric(new MetricProps
        {
            Namespace = "AWS/CloudFront",
            MetricName = "5xxErrorRate",
            DimensionsMap = new Dictionary<string, string> { ["DistributionId"] = Distribution.DistributionId, ["Region"] = "Global" },
            Statistic = "Average",
            Period = Duration.Minutes(1),
            Region = "us-east-1",
        });
        Watch(errorRate, "edge 5xx rate", ComparisonOperator.GREATER_THAN_THRESHOLD, 5,
            "More than 5 % of CloudFront's responses are 5xx: the origin fails or cannot be reached.", evaluationPeriods: 5, datapointsToAlarm: 3);

        // The load balancer's own 5xx (502 bad gateway, 503 no registered target, 504 target timeout) are not the
        // targets' 5xx: when every task is gone there is no target to count them.
        var elb5xx = new Metric(new MetricProps
        {
            Namespace = "AWS/ApplicationELB",
            MetricName = "HTTPCode_ELB_5XX_Count",
            DimensionsMap = new Dictionary<string, string> { ["LoadBalancer"] = LoadBalancer.LoadBalancerFullName },
            Statistic = "Sum",
            Period = Duration.Minutes(1),
        });
        Watch(elb5xx, "load balancer 5xx", ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD, 5,
            "The load balancer itself answers 5xx (502/503/504): no healthy target, or targets that fail or time out.", evaluationPeriods: 5, datapointsToAlarm: 3);
    }

    /// <summary>Targets of a service that fail the load balancer's health check, and a service with no healthy target at all.</summary>
    public void WatchTargets(string service, ApplicationTargetGroup targetGroup)
    {
        Metric HostCount(string name, string statistic) => new(new MetricProps
        {
            Namespace = "AWS/ApplicationELB",
            MetricName = name,
            DimensionsMap = new Dictionary<string, string>
            {
                ["LoadBalancer"] = LoadBalancer.LoadBalancerFullName,
                ["TargetGroup"] = targetGroup.TargetGroupFullName,
            },
            Statistic = statistic,
            Period = Duration.Minutes(1),
        });

        Watch(HostCount("UnHealthyHostCount", "Maximum"), $"{service} unhealthy targets", ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD, 1,
            $"A task of {service} has failed the load balancer's health check for 5 minutes.", evaluationPeriods: 5, datapointsToAlarm: 5);
        // The load balancer reports the count every minute while the target group serves a listener: no data is no target.
        Watch(HostCount("HealthyHostCount", "Minimum"), $"{service} no healthy target", ComparisonOperator.LESS_THAN_THRESHOLD, 1,
            $"{service} has no healthy target: its routes answer 502/503.", evaluationPeriods: 3, datapointsToAlarm: 2, missingData: TreatMissingData.BREACHING);
    }

    /// <summary>
    /// Fewer tasks running than ECS wants (a crash loop, an image that cannot be pulled, a failing health check), from
    /// Container Insights (the cluster enables it): <c>DesiredTaskCount − RunningTaskCount</c> per service. No data
    /// breaches: the service or its metrics are gone.
    /// </summary>
    public void WatchRunningTasks(string service, ICluster cluster, FargateService fargate)
    {
        Metric TaskCount(string name) => new(new MetricProps
        {
            Namespace = "ECS/ContainerInsights",
            MetricName = name,
            DimensionsMap = new Dictionary<string, string> { ["ClusterName"] = cluster.ClusterName, ["ServiceName"] = fargate.ServiceName },
            Statistic = "Average",
            Period = Duration.Minutes(1),
        });

        var missing = new MathExpression(new MathExpressionProps
        {
            Expression = "desired - running",
            UsingMetrics = new Dictionary<string, IMetric> { ["desired"] = TaskCount("DesiredTaskCount"), ["running"] = TaskCount("RunningTaskCount") },
            Label = $"{service} tasks missing",
            Period = Duration.Minutes(1),
        });
        Watch(missing, $"{service} tasks below desired", ComparisonOperator.GREATER_THAN_THRESHOLD, 0,
            $"{service} has run fewer tasks than desired for 5 minutes: tasks crash, fail their health check or cannot start.",
            evaluationPeriods: 5, datapointsToAlarm: 5, missingData: TreatMissingData.BREACHING);
    }

    /// <summary>A read replica that falls behind (reads see stale data) or stops replicating (no data: it breaches).</summary>
    public void WatchReplica(string server, DatabaseInstanceReadReplica replica, double freeStorageAlarmBytes)
    {
        var lag = new Metric(new MetricProps
        {
            Namespace = "AWS/RDS",
            MetricName = "ReplicaLag",
            DimensionsMap = new Dictionary<string, string> { ["DBInstanceIdentifier"] = replica.InstanceIdentifier },
            Statistic = "Maximum",
            Period = Duration.Minutes(1),
        });
        Watch(lag, $"{server} replica lag", ComparisonOperator.GREATER_THAN_THRESHOLD, 60,
            "The read replica is more than a minute behind the primary, or reports nothing.", evaluationPeriods: 5, datapointsToAlarm: 5,
            missingData: TreatMissingData.BREACHING);
        Watch(replica.MetricFreeStorageSpace(new MetricOptions { Period = Duration.Minutes(5), Statistic = "Minimum" }), $"{server} replica free storage",
            ComparisonOperator.LESS_THAN_THRESHOLD, freeStorageAlarmBytes, "The read replica is running out of storage (WAL it cannot replay, or data outgrowing it).");
    }

    /// <summary>
    /// The cache's nodes. A replication group with cluster mode disabled publishes its metrics per member cluster,
    /// <c>CacheClusterId = {ReplicationGroupId}-00N</c> (one node each, N = 1 … NumCacheClusters); ElastiCache publishes
    /// no <c>ReplicationGroupId</c> dimension for node-based clusters. Each node is watched: after a failover the primary
    /// is another member.
    /// </summary>
    public void WatchCache(string name, CfnReplicationGroup group, int nodes)
    {
        for (var node = 1; node <= nodes; node++)
        {
            var member = Fn.Join("", [group.Ref, $"-{node:D3}"]);
            Metric Node(string metric, string statistic) => new(new MetricProps
            {
                Namespace = "AWS/ElastiCache",
                MetricName = metric,
                DimensionsMap = new Dictionary<string, string> { ["CacheClusterId"] = member },
                Statistic = statistic,
                Period = Duration.Minutes(5),
            });

            Watch(Node("DatabaseMemoryUsagePercentage", "Maximum"), $"{name} node {node} memory", ComparisonOperator.GREATER_THAN_THRESHOLD, 90,
                $"Redis node {node} uses more than 90 % of its memory: evictions (lost sessions, lost cache) follow.");
            Watch(Node("Evictions", "Sum"), $"{name} node {node} evictions", ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD, 1,
                $"Redis node {node} evicted keys: sessions and Data Protection keys may be among them.", evaluationPeriods: 1);
            Watch(Node("EngineCPUUtilization", "Maximum"), $"{name} node {node} engine CPU", ComparisonOperator.GREATER_THAN_THRESHOLD, 80,
                $"The Redis engine thread of node {node} is above 80 %: commands queue up.");
        }
    }
}
