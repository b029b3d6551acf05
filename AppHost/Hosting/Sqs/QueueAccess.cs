using Aspire.Hosting.ApplicationModel;

namespace Aspire.Hosting;

/// <summary>What a service may do with a queue in AWS.</summary>
[Flags]
public enum QueueAccess
{
    /// <summary>Send messages (and read the queue's attributes, for its health check).</summary>
    Send = 1,

    /// <summary>Receive, delete and change the visibility of messages (and read the attributes).</summary>
    Consume = 2,

    SendAndConsume = Send | Consume,
}

/// <summary>The access a service was given to a queue (data for the task role's policy in the CDK translation).</summary>
public sealed class QueueAccessAnnotation(SqsQueueResource queue, QueueAccess access) : IResourceAnnotation
{
    public SqsQueueResource Queue { get; } = queue;

    public QueueAccess Access { get; } = access;
}
