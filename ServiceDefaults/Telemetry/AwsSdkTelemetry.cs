using System.Diagnostics;
using Amazon;
using Amazon.Runtime.Telemetry;
using Amazon.Runtime.Telemetry.Tracing;

namespace Platform.ServiceDefaults.Telemetry;

/// <summary>
/// Turns the AWS SDK's own tracing (one span per S3/SQS operation, e.g. "S3.PutObject") into System.Diagnostics
/// activities that OpenTelemetry exports. The SDK ships only a no-op provider; this adapter is the small part of
/// OpenTelemetry.Instrumentation.AWS we need (service, operation, bucket or queue on each span, which the IAM replay of
/// eng/aws/checks reads), with no dependency on its release cadence against the SDK's.
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
        private static readonly ActivitySource Source = new(ActivitySourceName);

        public override Tracer GetTracer(string scope) => new ActivityTracer();

        private sealed class ActivityTracer : Tracer
        {
            public override TraceSpan CreateSpan(string name, Attributes? initialAttributes = null, SpanKind spanKind = SpanKind.INTERNAL, SpanContext? parentContext = null)
            {
                var activity = Source.StartActivity(name, spanKind switch
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
            private readonly Activity? _activity;

            public ActivitySpan(string name, Activity? activity)
            {
                Name = name;
                _activity = activity;
            }

            public override void SetAttribute(string key, object value) => _activity?.SetTag(key, value);

            public override void SetStatus(SpanStatus status) => _activity?.SetStatus(status switch
            {
                SpanStatus.OK => ActivityStatusCode.Ok,
                SpanStatus.ERROR => ActivityStatusCode.Error,
                _ => ActivityStatusCode.Unset,
            });

            public override void RecordException(Exception exception, Attributes? attributes = null) => _activity?.AddException(exception);

            public override void EmitEvent(string name, Attributes? attributes = null) => _activity?.AddEvent(new ActivityEvent(name));

            public override void End() => _activity?.Stop();

            protected override void Dispose(bool disposing)
            {
                if (disposing)
                {
                    _activity?.Dispose();
                }
            }
        }
    }
}
