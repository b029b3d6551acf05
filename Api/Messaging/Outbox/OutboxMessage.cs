using System.Diagnostics;
using Amazon.SQS;
using Platform.ServiceDefaults.Resilience;

namespace Platform.Messaging.Outbox;

/// <summary>
/// A message waiting to be sent, written in the same transaction as the change it announces (the transactional outbox,
/// as in dotnet/eShop's IntegrationEventLog): if the change is committed, the message will be sent — at least once —
/// whatever happens to the request, the process or the queue meanwhile. <see cref="OutboxDispatcher{TContext}"/> sends it.
/// </summary>
public sealed class OutboxMessage
{
    public Guid Id { get; set; }

    /// <summary>The message type (see <c>MessageTypes</c>), sent as the <c>type</c> attribute.</summary>
    public string Type { get; set; } = "";

    /// <summary>The body, already JSON.</summary>
    public string Body { get; set; } = "";

    /// <summary>The W3C trace context of the change, so the receiver continues the trace that made it.</summary>
    public string? TraceParent { get; set; }

    public string? TraceState { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>When the queue accepted it; null while it waits.</summary>
    public DateTimeOffset? SentAt { get; set; }

    /// <summary>Failed attempts so far.</summary>
    public int Attempts { get; set; }

    /// <summary>Not tried again before this time (a back-off after failed attempts).</summary>
    public DateTimeOffset NextAttemptAt { get; set; }

    /// <summary>Why the last attempt failed (the exception's type and message), for operators.</summary>
    public string? LastError { get; set; }

    /// <summary>
    /// Sends the message to <paramref name="queueUrl"/> through the queue's guard, in the trace of the request that
    /// enqueued it. The request's send at commit and the dispatcher both send this way.
    /// </summary>
    public Task SendAsync(IAmazonSQS sqs, string queueUrl, DependencyGuard queueGuard, CancellationToken ct)
    {
        ActivityContext.TryParse(TraceParent, TraceState, isRemote: true, out var parent);
        return queueGuard.RunAsync(token => sqs.SendJsonAsync(queueUrl, Type, Body, parent, token), ct);
    }
}
