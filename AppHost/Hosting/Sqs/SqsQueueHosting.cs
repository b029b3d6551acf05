using System.Globalization;
using System.Text.Json;
using Amazon.SQS;
using Amazon.SQS.Model;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Platform.AppHost.Aws.Translators;
using Platform.AppHost.Hosting;

namespace Aspire.Hosting;

/// <summary>
/// <c>messaging</c>: an SQS queue, optionally with a dead-letter queue. Locally both are created in the AWS emulator at
/// start-up (idempotently); in AWS they are the stack's queues. Services receive <c>{name}:QueueUrl</c>,
/// <c>{name}:DeadLetterQueueUrl</c> and <c>{name}:MaxReceiveCount</c>.
/// </summary>
public static class SqsQueueHosting
{
    public static IResourceBuilder<SqsQueueResource> AddSqsQueue(this IDistributedApplicationBuilder builder, [ResourceName] string name, string queueName) =>
        builder.AddAwsService(emulator => new SqsQueueResource(name, queueName, emulator), new AwsServiceForms<SqsQueueResource>(
            ResourceType: "SqsQueue",
            IconName: "MailInbox",
            Property: new("QueueName", queueName),
            UsedOutputs: r => r.MaxReceiveCount is null ? [r.QueueUrlOutput] : [r.QueueUrlOutput, r.DeadLetterQueueUrlOutput],
            PublishAs: r => r.PublishAsSqsQueue(),
            CreateInEmulator: async (queue, emulator, ct) => await CreateQueuesAsync(await AwsEmulatorClients.SqsAsync(emulator, ct), queue, ct),
            CheckInEmulator: async (queue, emulator, ct) =>
            {
                var sqs = await AwsEmulatorClients.SqsAsync(emulator, ct);
                await sqs.GetQueueAttributesAsync(await queue.QueueUrlOutput.GetValueAsync(ct), ["QueueArn"], ct);
                return HealthCheckResult.Healthy();
            }));

    /// <summary>
    /// Gives the queue a dead-letter queue (<c>{queueName}-dlq</c>): a message received
    /// <paramref name="maxReceiveCount"/> times without being deleted moves there instead of being retried forever.
    /// Locally the queue gets the dashboard command that moves them back (see <see cref="SqsDeadLetterRedrive"/>).
    /// </summary>
    public static IResourceBuilder<SqsQueueResource> WithDeadLetterQueue(this IResourceBuilder<SqsQueueResource> queue, int maxReceiveCount)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxReceiveCount, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maxReceiveCount, 1000);
        queue.Resource.MaxReceiveCount = maxReceiveCount;
        return queue.WithDeadLetterRedriveCommand();
    }

    /// <summary>
    /// Gives a service the queue: its URL, its dead-letter queue's URL and receive count (the consumer moves a message
    /// that can never succeed after as many receives as SQS would), and the AWS client settings.
    /// </summary>
    public static IResourceBuilder<T> WithReference<T>(this IResourceBuilder<T> service, IResourceBuilder<SqsQueueResource> queue)
        where T : IResourceWithEnvironment
    {
        var resource = queue.Resource;
        return service.WithAwsServiceReference(resource, context =>
        {
            context.EnvironmentVariables[$"{resource.Name}__QueueUrl"] = resource.QueueUrlOutput;
            if (resource.MaxReceiveCount is { } maxReceiveCount)
            {
                context.EnvironmentVariables[$"{resource.Name}__DeadLetterQueueUrl"] = resource.DeadLetterQueueUrlOutput;
                context.EnvironmentVariables[$"{resource.Name}__MaxReceiveCount"] = maxReceiveCount.ToString(CultureInfo.InvariantCulture);
            }
        });
    }

    /// <summary>
    /// Gives a service the queue with the access it needs in AWS (its task role's policy): sending, consuming, or both.
    /// Locally the emulator checks nothing.
    /// </summary>
    public static IResourceBuilder<T> WithReference<T>(this IResourceBuilder<T> service, IResourceBuilder<SqsQueueResource> queue, QueueAccess access)
        where T : IResourceWithEnvironment
    {
        if (access == 0 || (access & ~QueueAccess.SendAndConsume) != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(access), access, "Queue access is Send, Consume or SendAndConsume.");
        }

        service.WithAnnotation(new QueueAccessAnnotation(queue.Resource, access));
        return service.WithReference(queue);
    }

    private static async Task CreateQueuesAsync(IAmazonSQS sqs, SqsQueueResource queue, CancellationToken ct)
    {
        var attributes = new Dictionary<string, string>();
        if (queue.MaxReceiveCount is { } maxReceiveCount)
        {
            var dlqUrl = await CreateOrUpdateAsync(sqs, queue.DeadLetterQueueName, new()
            {
                // Keep failed messages as long as SQS allows, so nothing is lost before someone looks.
                ["MessageRetentionPeriod"] = "1209600",
            }, ct);
            var dlqArn = (await sqs.GetQueueAttributesAsync(dlqUrl, ["QueueArn"], ct)).QueueARN;
            attributes["RedrivePolicy"] = JsonSerializer.Serialize(new Dictionary<string, string>
            {
                ["deadLetterTargetArn"] = dlqArn,
                ["maxReceiveCount"] = maxReceiveCount.ToString(CultureInfo.InvariantCulture),
            });
            queue.DeadLetterQueueUrlOutput.Set(dlqUrl);
        }

        queue.QueueUrlOutput.Set(await CreateOrUpdateAsync(sqs, queue.QueueName, attributes, ct));
    }

    /// <summary>CreateQueue is idempotent for equal attributes; after a change of settings the attributes are updated.</summary>
    private static async Task<string> CreateOrUpdateAsync(IAmazonSQS sqs, string queueName, Dictionary<string, string> attributes, CancellationToken ct)
    {
        try
        {
            return (await sqs.CreateQueueAsync(new CreateQueueRequest { QueueName = queueName, Attributes = attributes }, ct)).QueueUrl;
        }
        catch (QueueNameExistsException)
        {
            var url = (await sqs.GetQueueUrlAsync(queueName, ct)).QueueUrl;
            await sqs.SetQueueAttributesAsync(url, attributes, ct);
            return url;
        }
    }
}
