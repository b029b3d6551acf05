using Amazon.SQS;
using Amazon.SQS.Model;
using Microsoft.Extensions.Options;
using Platform.Messaging;

namespace Platform.Worker.Messaging;

/// <summary>
/// Long-polls the queue and hands each message to the handler for its type. A message is deleted only after its handler
/// finished; if the handler fails, the message becomes visible again and SQS redelivers it, until the queue's redrive
/// policy moves it to the dead-letter queue.
/// </summary>
public sealed partial class QueueConsumer(
    IAmazonSQS sqs,
    IOptions<SqsQueueSettings> queue,
    IServiceScopeFactory scopes,
    ILogger<QueueConsumer> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var queueUrl = queue.Value.QueueUrl;
        LogStarted(logger, queueUrl);
        while (!stoppingToken.IsCancellationRequested)
        {
            ReceiveMessageResponse response;
            try
            {
                response = await sqs.ReceiveMessageAsync(new ReceiveMessageRequest
                {
                    QueueUrl = queueUrl,
                    MaxNumberOfMessages = 10,
                    WaitTimeSeconds = 20,
                    MessageAttributeNames = QueueMessages.AttributeNames,
                    MessageSystemAttributeNames = ["ApproximateReceiveCount", "SentTimestamp"],
                }, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                LogReceiveFailed(logger, ex);
                await Task.Delay(TimeSpan.FromSeconds(2), stoppingToken);
                continue;
            }

            foreach (var message in response.Messages ?? [])
            {
                await ProcessAsync(queueUrl, message, stoppingToken);
            }
        }
    }

    private async Task ProcessAsync(string queueUrl, Message message, CancellationToken stoppingToken)
    {
        using var activity = QueueMessages.StartProcessActivity(message, queueUrl);
        var type = QueueMessages.TypeOf(message);
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var handler = scope.ServiceProvider.GetServices<IMessageHandler>().FirstOrDefault(h => h.MessageType == type)
                ?? throw new InvalidMessageException($"No handler for message type '{type ?? "(none)"}'.");
            await handler.HandleAsync(message, stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Not deleted: it becomes visible again and another worker picks it up. Nothing is lost.
            return;
        }
        catch (Exception ex)
        {
            activity?.AddException(ex);
            activity?.SetStatus(System.Diagnostics.ActivityStatusCode.Error);
            LogHandlerFailed(logger, message.MessageId, type, ex);
            return;
        }

        await sqs.DeleteMessageAsync(queueUrl, message.ReceiptHandle, CancellationToken.None);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Listening on {QueueUrl}")]
    private static partial void LogStarted(ILogger logger, string queueUrl);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Receiving from the queue failed; retrying")]
    private static partial void LogReceiveFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "Message {MessageId} of type {MessageType} failed; SQS will redeliver it")]
    private static partial void LogHandlerFailed(ILogger logger, string messageId, string? messageType, Exception exception);
}
