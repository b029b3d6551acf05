using System.Diagnostics;
using Amazon;
using Amazon.Runtime.Telemetry;
using Amazon.Runtime.Telemetry.Tracing;

namespace Platform.ServiceDefaults.Telemetry;

/// <summary>
/// Turns the AWS SDK's own tracing (one span per S3/SQS operation, e.g. "S3.PutObject") into System.Diagnostics
/// activities that OpenTelemetry exports. The SDK ships only a no-op provider, and OpenTelemetry.Instrumentation.AWS,
/// which would do this, is not served by our package registry; this adapter is the small part of it we need.
/// </summary>
public static class AwsSdkTelemetry
{
    public const string ActivitySourceName = "Amazon.AWSSDK";

    private static int s_enabled;

    public static void Enable()
    {
        if (Interlocked.Exchange(ref s_enabled, 1) == 0)
        {
            AWSConfigs.TelemetryProvider.RegisterTracerProvider(new ActivityTracerProvider());
        }
    }

    private sealed class ActivityTracerProvider : TracerProvider
    {
        private static readonly ActivitySource s_source = new(ActivitySourceName);

        public override Tracer GetTracer(string scope) => new ActivityTracer();

        private sealed class ActivityTracer : Tracer
        {
            public override TraceSpan CreateSpan(string name, Attributes? initialAttributes = null, SpanKind spanKind = SpanKind.INTERNAL, SpanContext? parentContext = null)
            {
                var activity = s_source.StartActivity(name, spanKind switch
                {
                    SpanKind.CLIENT => ActivityKind.Client,
                    SpanKind.SERVER => ActivityKind.Server,
                    SpanKind.PRODUCER => ActivityKind.Producer,
                    SpanKind.CONSUMER => ActivityKind.Consumer,
                    _ => ActivityKind.Internal,
                });
                if (activity is not null && initialAttributes is not null)
                {
                    foreach (var (key, value) in initialAttributes.AllAttributes)
                    {
                        activity.SetTag(key, value);
                    }
                }

                return new ActivitySpan(name, activity);
            }
        }

        private sealed class ActivitySpan : TraceSpan
        {
            private readonly Activity? activity;

            public ActivitySpan(string name, Activity? activity)
            {
                Name = name;
                this.activity = activity;
            }

            public override void SetAttribute(string key, object value) => activity?.SetTag(key, value);

            public override void SetStatus(SpanStatus status) => activity?.SetStatus(status switch
            {
                SpanStatus.OK => ActivityStatusCode.Ok,
                SpanStatus.ERROR => ActivityStatusCode.Error,
                _ => ActivityStatusCode.Unset,
            });

            public override void RecordException(Exception exception, Attributes? attributes = null) => activity?.AddException(exception);

            public override void EmitEvent(string name, Attributes? attributes = null) => activity?.AddEvent(new ActivityEvent(name));

            public override void End() => activity?.Stop();

            protected override void Dispose(bool disposing)
            {
                if (disposing)
                {
                    activity?.Dispose();
                }
            }
        }
    }
}
