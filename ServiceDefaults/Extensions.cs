using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using Platform.ServiceDefaults.Http;
using Platform.ServiceDefaults.Telemetry;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// What every Platform service has: OpenTelemetry over OTLP, service discovery, resilient HttpClients and the
/// <c>/health</c> (ready: dependencies reachable) and <c>/alive</c> (liveness) endpoints.
/// </summary>
public static class ServiceDefaultsExtensions
{
    public const string HealthEndpointPath = "/health";
    public const string AlivenessEndpointPath = "/alive";
    private const string LiveTag = "live";

    public static TBuilder AddServiceDefaults<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        // Polly reports every execution of a pipeline at Information: one line per database or cache call. Retries,
        // timeouts and circuits opening or closing are warnings and errors, and stay.
        builder.Logging.AddFilter("Polly", LogLevel.Warning);
        // Hosted services' start methods that return an unfinished task are awaited together, not one by one; each still
        // runs in registration order until it first yields (a BackgroundService's start returns at once in .NET 10
        // anyway). Data Protection's service reads the key ring from Redis without yielding, so Kestrel, started last,
        // listens only once the ring is loaded, which almost every request needs.
        builder.Services.Configure<HostOptions>(options => options.ServicesStartConcurrently = true);
        builder.ConfigureOpenTelemetry();
        builder.AddDefaultHealthChecks();
        builder.Services.AddServiceDiscovery();
        builder.Services.AddForwardedPublicHost();
        builder.Services.ConfigureHttpClientDefaults(http =>
        {
            // Retries only where repeating is safe: a retried POST could create a second upload or account.
            http.AddStandardResilienceHandler(options => options.Retry.DisableForUnsafeHttpMethods());
            http.AddServiceDiscovery();
        });

        return builder;
    }

    /// <summary>
    /// The most attribute combinations one metric keeps (OpenTelemetry's cardinality limit, 2,000 by default). The SDK
    /// reserves that many points for every metric when it is created, about 10 MB for a service's 70-odd metrics, and
    /// each full collection scans them. The busiest here, the request duration, has one combination per route, method,
    /// status code and error type: 100–200 at most in Web, fewer in the Api. Measurements past the limit are kept in
    /// one overflow point (<c>otel.metric.overflow</c>), so totals stay right.
    /// </summary>
    public const int MetricPointsPerStream = 256;

    /// <summary>
    /// Every metric keeps its name, unit, histogram buckets and attributes, within <see cref="MetricPointsPerStream"/>;
    /// HttpClient's connection metrics leave out the peer's IP address, one of the many addresses S3 and SQS rotate
    /// through, which would fill the limit with a point per address for the task's life. A view also makes the OTLP
    /// exporter ignore <c>OTEL_EXPORTER_OTLP_METRICS_DEFAULT_HISTOGRAM_AGGREGATION</c> (not set anywhere here).
    /// </summary>
    private static MetricStreamConfiguration MetricStream(System.Diagnostics.Metrics.Instrument instrument) => new()
    {
        CardinalityLimit = MetricPointsPerStream,
        ExcludedTagKeys = instrument.Meter.Name == "System.Net.Http" ? ["network.peer.address"] : null,
    };

    public static TBuilder ConfigureOpenTelemetry<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.Logging.AddOpenTelemetry(logging =>
        {
            logging.IncludeFormattedMessage = true;
            logging.IncludeScopes = true;
        });

        AwsSdkTelemetry.Enable();

        builder.Services.AddOpenTelemetry()
            .WithMetrics(metrics => metrics
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddRuntimeInstrumentation()
                .AddMeter(PlatformTelemetry.MeterName)
                .AddView(MetricStream))
            .WithTracing(tracing => tracing
                // Health probes and background polling (queue receives, the outbox) start no traces of their own.
                .SetSampler(new ParentBasedSampler(new UserWorkSampler()))
                .AddSource(builder.Environment.ApplicationName)
                .AddSource(PlatformTelemetry.ActivitySourceName)
                .AddSource(AwsSdkTelemetry.ActivitySourceName)
                .AddAspNetCoreInstrumentation(options => options.Filter = context =>
                    !context.Request.Path.StartsWithSegments(HealthEndpointPath)
                    && !context.Request.Path.StartsWithSegments(AlivenessEndpointPath))
                .AddHttpClientInstrumentation());

        // OTLP everywhere: the Aspire dashboard locally, the ADOT collector sidecar (X-Ray, CloudWatch) in AWS.
        if (!string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            builder.Services.AddOpenTelemetry().UseOtlpExporter();
        }

        return builder;
    }

    /// <summary>The longest one dependency's check may take, so <c>/health</c> answers in seconds even when one hangs.</summary>
    public static readonly TimeSpan HealthCheckTimeout = TimeSpan.FromSeconds(3);

    public static TBuilder AddDefaultHealthChecks<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.Services.AddHealthChecks().AddCheck("self", () => HealthCheckResult.Healthy(), [LiveTag]);
        builder.Services.PostConfigure<HealthCheckServiceOptions>(options =>
        {
            foreach (var registration in options.Registrations.Where(r => r.Timeout == Timeout.InfiniteTimeSpan || r.Timeout > HealthCheckTimeout))
            {
                registration.Timeout = HealthCheckTimeout;
            }
        });
        return builder;
    }

    /// <summary>
    /// Maps <c>/health</c> (every check: the service can do its work) and <c>/alive</c> (the process answers). Both are
    /// what the load balancer and the AppHost probe, so they are mapped in every environment; the report names each
    /// dependency and its status, never an exception's text.
    /// </summary>
    public static WebApplication MapDefaultEndpoints(this WebApplication app)
    {
        app.MapHealthChecks(HealthEndpointPath, new HealthCheckOptions { ResponseWriter = WriteReportAsync }).DisableHttpMetrics();
        app.MapHealthChecks(AlivenessEndpointPath, new HealthCheckOptions
        {
            Predicate = r => r.Tags.Contains(LiveTag),
            ResponseWriter = WriteReportAsync,
        }).DisableHttpMetrics();
        return app;
    }

    private static Task WriteReportAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json; charset=utf-8";
        return JsonSerializer.SerializeAsync(context.Response.Body, new
        {
            status = report.Status.ToString(),
            totalDurationMs = Math.Round(report.TotalDuration.TotalMilliseconds, 1),
            entries = report.Entries.ToDictionary(
                e => e.Key,
                e => new { status = e.Value.Status.ToString(), durationMs = Math.Round(e.Value.Duration.TotalMilliseconds, 1) }),
        }, Json, context.RequestAborted);
    }

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
}
