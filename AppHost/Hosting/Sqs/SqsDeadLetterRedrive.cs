using System.Globalization;
using Amazon.SQS;
using Amazon.SQS.Model;
using Aspire.Hosting.ApplicationModel;

namespace Aspire.Hosting;

/// <summary>
/// The dashboard command "Redrive dead letters" on a queue with a dead-letter queue: moves every message of the DLQ back
/// to its source queue (body and attributes, so the trace context too), for an operator who fixed what made them fail.
/// In AWS the same is SQS's own redrive: <c>aws sqs start-message-move-task --source-arn &lt;DLQ ARN&gt;</c> (or the
/// console's "Start DLQ redrive"); the emulators do not implement StartMessageMoveTask, so locally this command moves
/// the messages itself: receive a batch, send it to the source queue, then delete it from the DLQ.
/// </summary>
internal static class SqsDeadLetterRedrive
{
    public const string CommandName = "redrive-dead-letters";

    public static IResourceBuilder<SqsQueueResource> WithDeadLetterRedriveCommand(this IResourceBuilder<SqsQueueResource> queue)
    {
        var resource = queue.Resource;
        if (resource.Emulator is not { } emulator)
        {
            return queue;
        }

        return queue.WithCommand(CommandName, "Redrive dead letters", async context =>
        {
            var queueUrl = resource.QueueUrlOutput.IsSet ? await resource.QueueUrlOutput.GetValueAsync(context.CancellationToken) : null;
            var deadLetterQueueUrl = resource.DeadLetterQueueUrlOutput.IsSet ? await resource.DeadLetterQueueUrlOutput.GetValueAsync(context.CancellationToken) : null;
            if (queueUrl is null || deadLetterQueueUrl is null)
            {
                return CommandResults.Failure("The queues are not created yet.");
            }

            var sqs = await AwsEmulatorClients.SqsAsync(emulator, context.CancellationToken);
            var moved = await MoveAllAsync(sqs, deadLetterQueueUrl, queueUrl, context.CancellationToken);
            return CommandResults.Success(string.Create(CultureInfo.InvariantCulture,
                $"Moved {moved} message(s) from {resource.DeadLetterQueueName} back to {resource.QueueName}."));
        }, new CommandOptions
        {
            Description = $"Moves every message of {resource.DeadLetterQueueName} back to {resource.QueueName} to be processed again.",
            ConfirmationMessage = $"Move every message of {resource.DeadLetterQueueName} back to {resource.QueueName}?",
            IconName = "ArrowRedo",
            UpdateState = context => context.ResourceSnapshot.State?.Text == KnownResourceStates.Running
                ? ResourceCommandState.Enabled
                : ResourceCommandState.Disabled,
        });
    }

    /// <summary>Moves messages until the dead-letter queue answers empty; each is deleted only after it was sent.</summary>
    internal static async Task<int> MoveAllAsync(IAmazonSQS sqs, string deadLetterQueueUrl, string queueUrl, CancellationToken ct)
    {
        var moved = 0;
        while (true)
        {
            var received = await sqs.ReceiveMessageAsync(new ReceiveMessageRequest
            {
                QueueUrl = deadLetterQueueUrl,
                MaxNumberOfMessages = 10,
                WaitTimeSeconds = 0,
                VisibilityTimeout = 60,
                MessageAttributeNames = ["All"],
            }, ct);
            if (received.Messages is not { Count: > 0 } messages)
            {
                return moved;
            }

            foreach (var message in messages)
            {
                await sqs.SendMessageAsync(new SendMessageRequest
                {
                    QueueUrl = queueUrl,
                    MessageBody = message.Body,
                    MessageAttributes = message.MessageAttributes,
                }, ct);
                await sqs.DeleteMessageAsync(deadLetterQueueUrl, message.ReceiptHandle, ct);
                moved++;
            }
        }
    }
}
