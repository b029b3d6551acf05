using Amazon.Runtime;
using Amazon.SQS;
using Amazon.SQS.Model;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Microsoft.Extensions.DependencyInjection;
using Platform.Tests.Shared;

namespace Platform.Integration.Tests;

/// <summary>
/// What an operator sees when a message can never be processed: it waits in the dead-letter queue at once instead of
/// being retried five times. (The Worker sends it there itself, which is also the call the AWS stack's Worker role must
/// allow: the offline IAM replay in eng/test.sh checks it against the synthesized template.)
/// </summary>
public sealed class DeadLetterTests(PlatformAppFixture fixture)
{
    [Fact]
    public async Task A_message_the_worker_cannot_read_goes_to_the_dead_letter_queue()
    {
        var ct = TestContext.Current.CancellationToken;
        var queue = fixture.App.Services.GetRequiredService<DistributedApplicationModel>().Resources.OfType<SqsQueueResource>().Single();
        var queueUrl = await queue.QueueUrlOutput.GetValueAsync(ct);
        var deadLetterQueueUrl = await queue.DeadLetterQueueUrlOutput.GetValueAsync(ct);
        var emulator = fixture.App.GetEndpoint("aws-emulator", "http");
        using var sqs = new AmazonSQSClient(new BasicAWSCredentials("test", "test"), new AmazonSQSConfig
        {
            ServiceURL = emulator.ToString(),
            AuthenticationRegion = "us-east-1",
        });
        var marker = $"not a platform message {Guid.NewGuid():N}";

        // No message type attribute: no handler can ever take it.
        await sqs.SendMessageAsync(new SendMessageRequest { QueueUrl = queueUrl, MessageBody = marker }, ct);

        var arrived = await Eventually.ReturnsAsync(async token =>
        {
            var received = await sqs.ReceiveMessageAsync(new ReceiveMessageRequest { QueueUrl = deadLetterQueueUrl, MaxNumberOfMessages = 10, WaitTimeSeconds = 1 }, token);
            var ours = (received.Messages ?? []).Where(m => m.Body == marker).ToList();
            foreach (var message in received.Messages ?? [])
            {
                if (ours.Contains(message))
                {
                    await sqs.DeleteMessageAsync(deadLetterQueueUrl, message.ReceiptHandle, token);
                }
                else
                {
                    // Another test's dead letter: leave it for its owner.
                    await sqs.ChangeMessageVisibilityAsync(deadLetterQueueUrl, message.ReceiptHandle, 0, token);
                }
            }

            return ours.Count;
        }, count => count > 0, TimeSpan.FromSeconds(30), ct);

        Assert.Equal(1, arrived);
    }
}
