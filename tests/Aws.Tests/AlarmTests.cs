using System.Text.Json.Nodes;
using Platform.AppHost.Aws;

namespace Platform.Aws.Tests;

/// <summary>One dev stack for the alarm and telemetry tests (jsii synthesizes one at a time; each synthesis takes a while).</summary>
[CollectionDefinition(Name)]
public sealed class DevStackCollection : ICollectionFixture<DevStackFixture>
{
    public const string Name = "Dev stack: alarms and telemetry";
}

/// <summary>What an alarm of the template watches, and whom it tells.</summary>
internal sealed record AlarmView(string Id, JsonObject Properties)
{
    /// <summary>Each metric the alarm reads: its own, or each one of its metric math.</summary>
    public IReadOnlyList<(string Namespace, string Name, IReadOnlyDictionary<string, JsonNode?> Dimensions)> Metrics =>
        Properties["MetricName"] is not null
            ? [((string)Properties["Namespace"]!, (string)Properties["MetricName"]!, DimensionsOf(Properties["Dimensions"]))]
            : [.. Properties["Metrics"]!.AsArray().Where(m => m!["MetricStat"] is not null).Select(m => m!["MetricStat"]!["Metric"]!)
                .Select(m => ((string)m["Namespace"]!, (string)m["MetricName"]!, DimensionsOf(m["Dimensions"])))];

    public string? Expression => (string?)Properties["Metrics"]?.AsArray().SingleOrDefault(m => m!["Expression"] is not null)?["Expression"];

    public string? TreatMissingData => (string?)Properties["TreatMissingData"];

    public IReadOnlyList<string?> AlarmActions => [.. (Properties["AlarmActions"]?.AsArray() ?? []).Select(a => (string?)a!["Ref"])];

    public IReadOnlyList<string?> OkActions => [.. (Properties["OKActions"]?.AsArray() ?? []).Select(a => (string?)a!["Ref"])];

    private static IReadOnlyDictionary<string, JsonNode?> DimensionsOf(JsonNode? dimensions) =>
        (dimensions?.AsArray() ?? []).ToDictionary(d => (string)d!["Name"]!, d => d!["Value"]);
}

internal static class Alarms
{
    public static IReadOnlyList<AlarmView> All(JsonObject template) =>
        [.. template.Resources("AWS::CloudWatch::Alarm").Select(a => new AlarmView(a.Id, a.Properties))];

    /// <summary>The alarms reading <paramref name="metric"/> of <paramref name="ns"/>.</summary>
    public static IReadOnlyList<AlarmView> On(JsonObject template, string ns, string metric) =>
        [.. All(template).Where(a => a.Metrics.Any(m => m.Namespace == ns && m.Name == metric))];

    public static IReadOnlyDictionary<string, JsonNode?> Dimensions(AlarmView alarm, string metric) => alarm.Metrics.Single(m => m.Name == metric).Dimensions;

    public static string? Ref(JsonNode? value) => (string?)value?["Ref"];

    public static (string Id, string Attribute) GetAtt(JsonNode? value) => ((string)value!["Fn::GetAtt"]![0]!, (string)value["Fn::GetAtt"]![1]!);

    /// <summary>The alarm tells the stack's alarm topic when it fires and when it clears.</summary>
    public static void NotifiesTheTopic(JsonObject template, AlarmView alarm)
    {
        var topic = template.Id("AWS::SNS::Topic", "Alarms");
        Assert.Equal([topic], alarm.AlarmActions);
        Assert.Equal([topic], alarm.OkActions);
    }
}

/// <summary>
/// Each way the platform fails has an alarm on the metric AWS publishes for it that tells the alarm topic (docs/aws.md,
/// "Alarms and telemetry"). That every alarm reads a metric with a dimension set AWS publishes, and acts, is rules
/// alarm-metrics and alarm-actions of eng/aws/checks (run on both stages, each failing on planted faults).
/// </summary>
[Collection(DevStackCollection.Name)]
public sealed class AlarmTests(DevStackFixture stack)
{
    private JsonObject Json => stack.Json;

    [Fact]
    public void The_edge_5xx_rate_of_the_distribution_alarms_the_topic()
    {
        // Which dimensions CloudFront publishes it with is rule alarm-metrics of eng/aws/checks.
        var alarm = Assert.Single(Alarms.On(Json, "AWS/CloudFront", "5xxErrorRate"));
        Assert.Equal(Json.Id("AWS::CloudFront::Distribution", "Cdn"), Alarms.Ref(Alarms.Dimensions(alarm, "5xxErrorRate")["DistributionId"]));
        Alarms.NotifiesTheTopic(Json, alarm);
    }

    [Fact]
    public void The_load_balancers_own_5xx_no_target_and_gateway_errors_alarm()
    {
        var alarm = Assert.Single(Alarms.On(Json, "AWS/ApplicationELB", "HTTPCode_ELB_5XX_Count"));
        var dimensions = Alarms.Dimensions(alarm, "HTTPCode_ELB_5XX_Count");
        Assert.Equal(["LoadBalancer"], dimensions.Keys);
        Assert.Equal((Json.Id("AWS::ElasticLoadBalancingV2::LoadBalancer", "LoadBalancer"), "LoadBalancerFullName"), Alarms.GetAtt(dimensions["LoadBalancer"]));
        Assert.Equal("Sum", (string?)alarm.Properties["Statistic"]);
        Alarms.NotifiesTheTopic(Json, alarm);
    }

    [Fact]
    public void Every_target_group_has_an_unhealthy_host_alarm_and_a_no_healthy_host_alarm_that_breaches_on_silence()
    {
        var loadBalancer = Json.Id("AWS::ElasticLoadBalancingV2::LoadBalancer", "LoadBalancer");
        var targetGroups = Json.Resources("AWS::ElasticLoadBalancingV2::TargetGroup").Select(t => t.Id).ToList();
        Assert.NotEmpty(targetGroups);
        foreach (var (metric, missing) in new[] { ("UnHealthyHostCount", "notBreaching"), ("HealthyHostCount", "breaching") })
        {
            var alarms = Alarms.On(Json, "AWS/ApplicationELB", metric);
            foreach (var targetGroup in targetGroups)
            {
                var alarm = Assert.Single(alarms, a => Alarms.GetAtt(Alarms.Dimensions(a, metric).GetValueOrDefault("TargetGroup")).Id == targetGroup);
                var dimensions = Alarms.Dimensions(alarm, metric);
                Assert.Equal(["LoadBalancer", "TargetGroup"], dimensions.Keys.Order(StringComparer.Ordinal));
                Assert.Equal((targetGroup, "TargetGroupFullName"), Alarms.GetAtt(dimensions["TargetGroup"]));
                Assert.Equal((loadBalancer, "LoadBalancerFullName"), Alarms.GetAtt(dimensions["LoadBalancer"]));
                Assert.Equal(missing, alarm.TreatMissingData);
                Alarms.NotifiesTheTopic(Json, alarm);
            }
        }
    }

    [Fact]
    public void Dev_runs_without_container_insights_so_no_alarm_waits_for_its_metrics()
    {
        // Container Insights costs about 50 custom metrics a stage; dev's single tasks are watched by the load balancer's
        // no-healthy-target alarms (Api, Web) and the queue-age alarm (Worker) instead.
        var cluster = Json.Resources("AWS::ECS::Cluster").Single();
        Assert.Contains(cluster.Properties["ClusterSettings"]!.AsArray(), s => (string?)s!["Name"] == "containerInsights" && (string?)s["Value"] == "disabled");
        Assert.Empty(Alarms.On(Json, "ECS/ContainerInsights", "RunningTaskCount"));
    }

    [Fact]
    public void Dead_letters_alarm_as_soon_as_one_arrives()
    {
        var deadLetters = Json.Id("AWS::SQS::Queue", "MessagingDeadLetters");
        var alarm = Assert.Single(Alarms.On(Json, "AWS/SQS", "ApproximateNumberOfMessagesVisible"),
            a => a.AlarmActions.Count > 0 && Alarms.GetAtt(Alarms.Dimensions(a, "ApproximateNumberOfMessagesVisible")["QueueName"]).Id == deadLetters && a.Id.StartsWith("Alarm", StringComparison.Ordinal));
        Assert.Equal(1, (double)alarm.Properties["Threshold"]!);
        Alarms.NotifiesTheTopic(Json, alarm);
    }

    [Fact]
    public void Replica_lag_is_watched_on_the_replica_and_free_storage_on_both_instances()
    {
        var instances = Json.Resources("AWS::RDS::DBInstance").ToList();
        var replica = Assert.Single(instances, i => i.Properties["SourceDBInstanceIdentifier"] is not null).Id;
        var lag = Assert.Single(Alarms.On(Json, "AWS/RDS", "ReplicaLag"));
        Assert.Equal(replica, Alarms.Ref(Alarms.Dimensions(lag, "ReplicaLag")["DBInstanceIdentifier"]));
        Assert.Equal("breaching", lag.TreatMissingData);
        Alarms.NotifiesTheTopic(Json, lag);

        var storage = Alarms.On(Json, "AWS/RDS", "FreeStorageSpace").Select(a => Alarms.Ref(Alarms.Dimensions(a, "FreeStorageSpace")["DBInstanceIdentifier"]));
        Assert.Equal(instances.Select(i => i.Id).Order(StringComparer.Ordinal), storage.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Every_redis_node_is_watched_by_its_member_cluster_id_for_memory_evictions_and_engine_cpu()
    {
        RedisAlarms.EveryNodeIsWatched(Json);
    }
}

/// <summary>Production: the cache's two nodes, and nobody is left out of an alarm.</summary>
public sealed class ProdAlarmTests(ProdStackFixture stack) : IClassFixture<ProdStackFixture>
{
    [Fact]
    public void Every_service_alarms_when_fewer_tasks_run_than_desired_and_silence_breaches()
    {
        var json = stack.Json;
        var cluster = json.Resources("AWS::ECS::Cluster").Single();
        Assert.Contains(cluster.Properties["ClusterSettings"]!.AsArray(), s => (string?)s!["Name"] == "containerInsights" && (string?)s["Value"] == "enabled");
        var alarms = Alarms.On(json, "ECS/ContainerInsights", "RunningTaskCount");
        foreach (var (service, _) in json.Resources("AWS::ECS::Service"))
        {
            var alarm = Assert.Single(alarms, a => Alarms.GetAtt(Alarms.Dimensions(a, "RunningTaskCount")["ServiceName"]).Id == service);
            foreach (var metric in new[] { "RunningTaskCount", "DesiredTaskCount" })
            {
                var dimensions = Alarms.Dimensions(alarm, metric);
                Assert.Equal(["ClusterName", "ServiceName"], dimensions.Keys.Order(StringComparer.Ordinal));
                Assert.Equal(cluster.Id, Alarms.Ref(dimensions["ClusterName"]));
                Assert.Equal((service, "Name"), Alarms.GetAtt(dimensions["ServiceName"]));
            }

            Assert.Equal("desired - running", alarm.Expression);
            Assert.Equal("GreaterThanThreshold", (string?)alarm.Properties["ComparisonOperator"]);
            Assert.Equal(0, (double)alarm.Properties["Threshold"]!);
            Assert.Equal("breaching", alarm.TreatMissingData);
            Alarms.NotifiesTheTopic(json, alarm);
        }
    }

    [Fact]
    public void Every_redis_node_of_the_replication_group_is_watched()
    {
        Assert.Equal(2, RedisAlarms.EveryNodeIsWatched(stack.Json));
    }

    [Fact]
    public void The_alarm_topic_has_the_on_call_subscriber()
    {
        var topic = stack.Json.Id("AWS::SNS::Topic", "Alarms");
        var subscription = Assert.Single(stack.Json.Resources("AWS::SNS::Subscription")).Properties;
        Assert.Equal(topic, Alarms.Ref(subscription["TopicArn"]));
        Assert.Equal("oncall@example.com", (string?)subscription["Endpoint"]);
    }

    [Fact]
    public async Task Prod_without_an_alarm_subscriber_does_not_synthesize_and_names_the_context_key()
    {
        await using var model = await Synthesis.RealModelAsync();
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => Synthesis.SynthesizeAsync(model.Resources, ("stage", "prod")));
        Assert.Contains("'alarmEmail' is missing", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Dev_needs_no_alarm_subscriber()
    {
        var settings = AwsDeploymentSettings.FromContext(key => key switch
        {
            "stage" => "dev",
            "region" => "us-east-1",
            "cloudFrontOriginPrefixListId" => "pl-3b927c52",
            "githubRepository" => "example-org/platform",
            _ => null,
        });
        Assert.Null(settings.AlarmEmail);
    }
}

internal static class RedisAlarms
{
    /// <summary>
    /// A replication group with cluster mode disabled publishes per member cluster, <c>{group id}-001</c> … one per node:
    /// each has its memory, evictions and engine CPU alarm. Returns the number of nodes.
    /// </summary>
    public static int EveryNodeIsWatched(JsonObject template)
    {
        var (group, properties) = Assert.Single(template.Resources("AWS::ElastiCache::ReplicationGroup"));
        var nodes = (int)properties["NumCacheClusters"]!;
        foreach (var metric in new[] { "DatabaseMemoryUsagePercentage", "Evictions", "EngineCPUUtilization" })
        {
            var members = Alarms.On(template, "AWS/ElastiCache", metric).Select(a =>
            {
                var dimensions = Alarms.Dimensions(a, metric);
                Assert.Equal(["CacheClusterId"], dimensions.Keys);
                Alarms.NotifiesTheTopic(template, a);
                var join = dimensions["CacheClusterId"]!["Fn::Join"]!;
                Assert.Equal(group, Alarms.Ref(join[1]![0]));
                return (string)join[1]![1]!;
            });
            Assert.Equal(Enumerable.Range(1, nodes).Select(n => $"-{n:D3}"), members.Order(StringComparer.Ordinal));
        }

        return nodes;
    }
}
