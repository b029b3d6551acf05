using System.Diagnostics;
using System.Diagnostics.Metrics;
using Platform.ServiceDefaults.Telemetry;

namespace Platform.Worker.Features.Media;

/// <summary>What the media pipeline reports, on the meter ServiceDefaults exports (dashboard locally, CloudWatch in AWS).</summary>
public sealed class MediaMetrics
{
    private readonly Counter<long> _processed;
    private readonly Counter<long> _failed;
    private readonly Histogram<double> _duration;

    public MediaMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(PlatformTelemetry.MeterName);
        _processed = meter.CreateCounter<long>("platform.media.processed", "{item}", "Media items the Worker finished (ready or failed).");
        _failed = meter.CreateCounter<long>("platform.media.failed", "{item}", "Media items that could not be processed and became failed.");
        _duration = meter.CreateHistogram<double>("platform.media.processing.duration", "s", "Time from taking an item to finishing it.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120] });
    }

    public void Finished(string kind, string outcome, TimeSpan elapsed)
    {
        var tags = new TagList { { "media.kind", kind }, { "media.outcome", outcome } };
        _processed.Add(1, tags);
        _duration.Record(elapsed.TotalSeconds, tags);
        if (outcome == "failed")
        {
            _failed.Add(1, new TagList { { "media.kind", kind } });
        }
    }
}
