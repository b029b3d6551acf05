using System.Diagnostics;
using OpenTelemetry.Trace;

namespace Platform.ServiceDefaults.Telemetry;

/// <summary>
/// Decides which traces may start: a request a service received (server), a message it processes (consumer) or sends
/// (producer), or an operation our code named. A call to a dependency that is not part of any of those — a health
/// check's <c>SELECT 1</c> or <c>PING</c>, the Worker's long-poll <c>ReceiveMessage</c>, the outbox's look for work —
/// starts none, so the dashboard (and X-Ray) shows the users' requests instead of thousands of one-span traces.
/// Used as the root sampler of a <see cref="ParentBasedSampler"/>: spans inside a kept trace are always kept.
/// </summary>
public sealed class UserWorkSampler : Sampler
{
    public override SamplingResult ShouldSample(in SamplingParameters samplingParameters) =>
        samplingParameters.Kind is ActivityKind.Client
            ? new SamplingResult(SamplingDecision.Drop)
            : new SamplingResult(SamplingDecision.RecordAndSample);
}
