using System.Text.Json;
using System.Text.Json.Nodes;
using Platform.AppHost.Aws.Telemetry;
using YamlDotNet.RepresentationModel;

namespace Platform.Aws.Tests;

/// <summary>
/// The ADOT collector beside each service runs the stack's configuration: sampled traces to X-Ray, logs to CloudWatch
/// Logs and the dashboard's metrics as EMF, into log groups the stack owns, with exactly the permissions its exporters use.
/// </summary>
[Collection(DevStackCollection.Name)]
public sealed class TelemetryTests(DevStackFixture stack)
{
    private static readonly string[] Services = ["Api", "Worker", "Web"];

    private JsonObject Json => stack.Json;

    private static YamlMappingNode Parse(string yaml)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        return (YamlMappingNode)stream.Documents.Single().RootNode;
    }

    private static YamlNode At(YamlNode node, params string[] path) =>
        path.Aggregate(node, (n, key) => ((YamlMappingNode)n).Children[new YamlScalarNode(key)]);

    private static IEnumerable<string> Strings(YamlNode node) => ((YamlSequenceNode)node).Children.Select(c => ((YamlScalarNode)c).Value!);

    private YamlMappingNode ConfigOf(string service)
    {
        var collector = Json.Container(service, "otel-collector");
        Assert.Null(collector["Command"]);
        return Parse((string)collector.Environment()["AOT_CONFIG_CONTENT"]!);
    }

    [Fact]
    public void The_collector_config_is_yaml_with_a_traces_a_logs_and_a_metrics_pipeline_from_otlp()
    {
        foreach (var service in Services)
        {
            var pipelines = At(ConfigOf(service), "service", "pipelines");
            Assert.Equal(["awsxray"], Strings(At(pipelines, "traces", "exporters")));
            Assert.Equal(["awscloudwatchlogs"], Strings(At(pipelines, "logs", "exporters")));
            Assert.Equal(["awsemf"], Strings(At(pipelines, "metrics", "exporters")));
            foreach (var pipeline in new[] { "traces", "logs", "metrics" })
            {
                Assert.Equal(["otlp"], Strings(At(pipelines, pipeline, "receivers")));
                Assert.Equal("memory_limiter", Strings(At(pipelines, pipeline, "processors")).First());
            }

            // The services send OTLP to localhost:4317, and nothing outside the task may.
            Assert.Equal("127.0.0.1:4317", At(ConfigOf(service), "receivers", "otlp", "protocols", "grpc", "endpoint").ToString());
        }
    }

    [Fact]
    public void Traces_are_sampled_in_the_collector_keeping_every_error_and_five_percent_of_the_rest()
    {
        var config = ConfigOf("Api");
        Assert.Contains("tail_sampling", Strings(At(config, "service", "pipelines", "traces", "processors")));
        var policies = ((YamlSequenceNode)At(config, "processors", "tail_sampling", "policies")).Children.Cast<YamlMappingNode>().ToList();
        var errors = Assert.Single(policies, p => At(p, "type").ToString() == "status_code");
        Assert.Equal(["ERROR"], Strings(At(errors, "status_code", "status_codes")));
        var baseline = Assert.Single(policies, p => At(p, "type").ToString() == "probabilistic");
        Assert.Equal(CollectorConfiguration.TraceSamplingPercent.ToString(System.Globalization.CultureInfo.InvariantCulture),
            At(baseline, "probabilistic", "sampling_percentage").ToString());
        Assert.Equal(5, CollectorConfiguration.TraceSamplingPercent);

        // One place decides which traces are kept: the SDK sends every trace of user work (ServiceDefaults' sampler).
        foreach (var service in Services)
        {
            Assert.DoesNotContain("OTEL_TRACES_SAMPLER", Json.Container(service).Environment().Keys);
        }
    }

    [Fact]
    public void The_exporters_write_into_log_groups_of_the_stack_with_retention_and_the_key_removed_with_the_dev_stack()
    {
        var key = Json.Id("AWS::KMS::Key", "DataKey");
        foreach (var service in Services)
        {
            var config = ConfigOf(service);
            var environment = Json.Container(service, "otel-collector").Environment();
            foreach (var exporter in new[] { "awscloudwatchlogs", "awsemf" })
            {
                var variable = At(config, "exporters", exporter, "log_group_name").ToString();
                Assert.Matches(@"^\$\{env:[A-Z_]+\}$", variable);
                var group = (string)environment[variable[6..^1]]!["Ref"]!;
                var resource = Json["Resources"]![group]!;
                Assert.Equal("AWS::Logs::LogGroup", (string?)resource["Type"]);
                Assert.Equal(7, (int)resource["Properties"]!["RetentionInDays"]!);
                Assert.Equal(key, Alarms.GetAtt(resource["Properties"]!["KmsKeyId"]).Id);
                Assert.Equal("Delete", (string?)resource["DeletionPolicy"]);
            }
        }
    }

    [Fact]
    public void The_task_role_may_put_trace_segments_and_write_its_two_telemetry_groups_and_create_no_log_group()
    {
        foreach (var service in Services)
        {
            var role = Alarms.GetAtt(Json.Named("AWS::ECS::TaskDefinition", $"{service}Task").Properties["TaskRoleArn"]).Id;
            var statements = Json.Resources("AWS::IAM::Policy")
                .Where(p => p.Properties["Roles"]!.AsArray().Any(r => (string?)r!["Ref"] == role))
                .SelectMany(p => p.Properties["PolicyDocument"]!["Statement"]!.AsArray().Select(s => s!.AsObject()))
                .ToList();
            var actions = statements.SelectMany(s => s.Actions()).ToHashSet(StringComparer.Ordinal);
            Assert.DoesNotContain("logs:CreateLogGroup", actions);
            Assert.DoesNotContain("cloudwatch:PutMetricData", actions);
            Assert.DoesNotContain(actions, a => a.StartsWith("xray:", StringComparison.Ordinal) && a != "xray:PutTraceSegments");

            var logs = Assert.Single(statements, s => s.Actions().Contains("logs:PutLogEvents"));
            Assert.Equal(["logs:CreateLogStream", "logs:PutLogEvents"], logs.Actions().Order(StringComparer.Ordinal));
            var groups = logs["Resource"]!.AsArray().Select(r => Alarms.GetAtt(r)).ToList();
            Assert.Equal([($"{service}TelemetryLogs", "Arn"), ($"{service}TelemetryMetrics", "Arn")],
                groups.Select(g => (g.Id[..^8], g.Attribute)).Order());
        }
    }

    [Fact]
    public void Only_the_metrics_the_dashboard_shows_become_cloudwatch_metrics_with_the_service_as_their_one_dimension()
    {
        var emf = At(ConfigOf("Worker"), "exporters", "awsemf");
        var declaration = (YamlMappingNode)Assert.Single(((YamlSequenceNode)At(emf, "metric_declarations")).Children);
        var dimensionSet = Assert.Single(((YamlSequenceNode)At(declaration, "dimensions")).Children);
        Assert.Equal([CollectorConfiguration.ServiceDimension], Strings(dimensionSet));
        var selectors = Strings(At(declaration, "metric_name_selectors")).ToList();
        Assert.Equal("NoDimensionRollup", At(emf, "dimension_rollup_option").ToString());

        var dashboardMetrics = DashboardMetrics().Where(m => m.Namespace == CollectorConfiguration.Namespace("dev")).Select(m => m.Name).Distinct().ToList();
        Assert.Equal(CollectorConfiguration.Metrics.Order(StringComparer.Ordinal), dashboardMetrics.Order(StringComparer.Ordinal));
        foreach (var metric in dashboardMetrics)
        {
            Assert.Single(selectors, s => System.Text.RegularExpressions.Regex.IsMatch(metric, s));
        }

        Assert.Equal(CollectorConfiguration.Namespace("dev"), (string?)Json.Container("Worker", "otel-collector").Environment()[CollectorConfiguration.NamespaceVariable]);
    }

    /// <summary>The (namespace, metric) pairs the dashboard's graphs draw, from its body (a join around the stack's tokens).</summary>
    private IEnumerable<(string Namespace, string Name)> DashboardMetrics()
    {
        var body = Json.Single("AWS::CloudWatch::Dashboard")["DashboardBody"]!;
        var text = body["Fn::Join"] is { } join
            ? string.Concat(join[1]!.AsArray().Select(p => p is JsonValue v && v.TryGetValue<string>(out var s) ? s : "TOKEN"))
            : (string)body!;
        using var document = JsonDocument.Parse(text);
        foreach (var widget in document.RootElement.GetProperty("widgets").EnumerateArray())
        {
            if (!widget.GetProperty("properties").TryGetProperty("metrics", out var metrics))
            {
                continue;
            }

            foreach (var metric in metrics.EnumerateArray())
            {
                var parts = metric.EnumerateArray().TakeWhile(p => p.ValueKind == JsonValueKind.String).Select(p => p.GetString()!).ToList();
                if (parts.Count >= 2 && parts[0] != ".")
                {
                    yield return (parts[0], parts[1]);
                }
            }
        }
    }
}
