using Amazon.SQS.Model;

namespace Platform.Worker.Messaging;

/// <summary>Handles one message type. Handlers are scoped (one per message) and must be idempotent: SQS delivers at least once.</summary>
public interface IMessageHandler
{
    string MessageType { get; }

    Task HandleAsync(Message message, CancellationToken cancellationToken);

    /// <summary>
    /// Called when the message failed on its last allowed delivery and SQS will move it to the dead-letter queue: the
    /// place to leave the user a final state instead of a thing that looks busy forever.
    /// </summary>
    Task OnGivingUpAsync(Message message, Exception error, CancellationToken cancellationToken) => Task.CompletedTask;
}

/// <summary>A message that can never succeed (no body, unknown type): retrying it would only fill the dead-letter queue later.</summary>
public sealed class InvalidMessageException(string message) : Exception(message);
