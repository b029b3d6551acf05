namespace Platform.AppHost.Aws.Telemetry;

/// <summary>
/// The ADOT collector's configuration, owned by the stack instead of the image's default (docs/aws.md, "Alarms and
/// telemetry"). Passed whole in <c>AOT_CONFIG_CONTENT</c>, which the ADOT collector reads instead of a config file.
/// Only components the ADOT collector distribution ships (its pkg/defaultcomponents): the <c>otlp</c> receiver; the
/// <c>memory_limiter</c>, <c>resourcedetection</c>, <c>tail_sampling</c>, <c>filter</c> and <c>batch</c> processors; the
/// <c>awsxray</c>, <c>awscloudwatchlogs</c> and <c>awsemf</c> exporters. Where things go comes from the collector
/// container's environment (<c>${env:…}</c>), so the text is the same for every service and stage.
/// </summary>
public static class CollectorConfiguration
{
    /// <summary>The log group (a resource of the stack) the services' OTLP logs go to.</summary>
    public const string LogGroupVariable = "PLATFORM_TELEMETRY_LOG_GROUP";

    /// <summary>The log group (a resource of the stack) the embedded-metric-format records go to.</summary>
    public const string MetricsLogGroupVariable = "PLATFORM_TELEMETRY_METRICS_LOG_GROUP";

    /// <summary>The CloudWatch namespace of the application's metrics.</summary>
    public const string NamespaceVariable = "PLATFORM_TELEMETRY_NAMESPACE";

    /// <summary>The log streams the exporters write (one per exporter; many tasks may write one stream).</summary>
    public const string LogStream = "otlp";

    public const string MetricsLogStream = "emf";

    /// <summary>Traces kept when nothing about them is remarkable (errors and slow traces are always kept).</summary>
    public const int TraceSamplingPercent = 5;

    /// <summary>A trace slower than this is always kept.</summary>
    public const int SlowTraceMilliseconds = 2000;

    /// <summary>The only metric dimension: the service that reported it (a resource attribute, <c>service.name</c>).</summary>
    public const string ServiceDimension = "service.name";

    /// <summary>
    /// The application metrics that become CloudWatch metrics: exactly those the dashboard shows. Every other metric the
    /// services export (ASP.NET Core, HttpClient, runtime) is dropped in the collector: the load balancer, ECS and RDS
    /// already publish the request, CPU and connection figures the alarms use, and each custom metric × dimension set
    /// is billed monthly.
    /// </summary>
    public static IReadOnlyList<string> Metrics { get; } =
    [
        "platform.media.processed",
        "platform.media.failed",
        "platform.media.processing.duration",
        "platform.queue.lag",
        "platform.queue.dead_lettered",
    ];

    /// <summary>The namespace of the application's metrics in a stage.</summary>
    public static string Namespace(string stage) => $"Platform/{stage}";

    /// <summary>The collector's configuration (YAML).</summary>
    public static string Yaml { get; } = Build();

    private static string Build()
    {
        // A metric name as an anchored regular expression; '[.]' instead of '\.' needs no escaping in YAML or OTTL.
        static string Pattern(string metric) => $"^{metric.Replace(".", "[.]", StringComparison.Ordinal)}$";
        var selectors = string.Join(", ", Metrics.Select(m => $"'{Pattern(m)}'"));
        var keep = string.Join("|", Metrics.Select(m => m.Replace(".", "[.]", StringComparison.Ordinal)));
        return $$"""
            # ADOT collector beside each service (AppHost/Aws/Telemetry/CollectorConfiguration.cs).
            receivers:
              otlp:
                protocols:
                  grpc:
                    endpoint: 127.0.0.1:4317
                  http:
                    endpoint: 127.0.0.1:4318

            processors:
              memory_limiter:
                check_interval: 1s
                limit_percentage: 80
                spike_limit_percentage: 20
              resourcedetection:
                detectors: [ecs]
                timeout: 2s
                override: false
              # Keep every trace with an error or slower than {{SlowTraceMilliseconds}} ms, and {{TraceSamplingPercent}} % of the rest. The
              # probabilistic policy hashes the trace id, so the collectors of api and worker keep the same traces.
              tail_sampling:
                decision_wait: 10s
                num_traces: 20000
                expected_new_traces_per_sec: 50
                policies:
                  - name: errors
                    type: status_code
                    status_code:
                      status_codes: [ERROR]
                  - name: slow
                    type: latency
                    latency:
                      threshold_ms: {{SlowTraceMilliseconds}}
                  - name: baseline
                    type: probabilistic
                    probabilistic:
                      sampling_percentage: {{TraceSamplingPercent}}
              # Only the metrics the dashboard shows leave the task.
              filter/dashboard:
                error_mode: ignore
                metrics:
                  metric:
                    - 'not IsMatch(name, "^({{keep}})$")'
              batch:
                timeout: 5s

            exporters:
              awsxray:
                region: ${env:AWS_REGION}
              awscloudwatchlogs:
                region: ${env:AWS_REGION}
                log_group_name: ${env:{{LogGroupVariable}}}
                log_stream_name: {{LogStream}}
              awsemf:
                region: ${env:AWS_REGION}
                namespace: ${env:{{NamespaceVariable}}}
                log_group_name: ${env:{{MetricsLogGroupVariable}}}
                log_stream_name: {{MetricsLogStream}}
                dimension_rollup_option: NoDimensionRollup
                resource_to_telemetry_conversion:
                  enabled: true
                metric_declarations:
                  - dimensions: [[{{ServiceDimension}}]]
                    metric_name_selectors: [{{selectors}}]

            service:
              pipelines:
                traces:
                  receivers: [otlp]
                  processors: [memory_limiter, resourcedetection, tail_sampling, batch]
                  exporters: [awsxray]
                logs:
                  receivers: [otlp]
                  processors: [memory_limiter, resourcedetection, batch]
                  exporters: [awscloudwatchlogs]
                metrics:
                  receivers: [otlp]
                  processors: [memory_limiter, filter/dashboard, batch]
                  exporters: [awsemf]
            """;
    }
}
