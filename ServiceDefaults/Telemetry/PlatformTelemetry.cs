using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Platform.ServiceDefaults.Telemetry;

/// <summary>The activity source and meter Platform's own code reports through; ServiceDefaults exports both.</summary>
public static class PlatformTelemetry
{
    public const string ActivitySourceName = "Platform";
    public const string MeterName = "Platform";

    public static readonly ActivitySource ActivitySource = new(ActivitySourceName);
}
