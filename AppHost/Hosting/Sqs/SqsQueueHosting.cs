using System.Globalization;
using System.Text.Json;
using Amazon.SQS;
using Amazon.SQS.Model;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;
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
    public static IResourceBuilder<SqsQueueResource> AddSqsQueue(this IDistributedApplicationBuilder builder, [ResourceName] string name, string queueName)
    {
        if (builder.GetOrAddAwsEmulator() is not { } emulator)
        {
            var real = builder.AddRealAwsResource(new SqsQueueResource(name, queueName, emulator: null), "SqsQueue", "MailInbox",
                new("QueueName", queueName),
                r => r.MaxReceiveCount is null ? [r.QueueUrlOutput] : [r.QueueUrlOutput, r.DeadLetterQueueUrlOutput]);
            return LocalRuntime.PublishesAwsStack(builder) ? real.PublishAsSqsQueue() : real;
        }

        var queue = new SqsQueueResource(name, queueName, emulator.Resource);
        var healthCheckKey = $"{name}_check";
        builder.Services.AddHealthChecks().AddAsyncCheck(healthCheckKey, async ct =>
        {
            if (!queue.QueueUrlOutput.IsSet)
            {
                return HealthCheckResult.Unhealthy($"Queue '{queueName}' is not created yet.");
            }

            var sqs = await AwsEmulatorClients.SqsAsync(emulator.Resource, ct);
            await sqs.GetQueueAttributesAsync(await queue.QueueUrlOutput.GetValueAsync(ct), ["QueueArn"], ct);
            return HealthCheckResult.Healthy();
        });

        return builder.AddResource(queue)
            .WithParentRelationship(emulator.Resource)
            .WithIconName("MailInbox")
            .WithInitialState(new CustomResourceSnapshot
            {
                ResourceType = "SqsQueue",
                State = KnownResourceStates.NotStarted,
                Properties = [new("QueueName", queueName)],
            })
            .OnInitializeResource((resource, e, ct) => PlatformDefaults.StartAfterParentAsync(resource, emulator.Resource, e, async () =>
            {
                var sqs = await AwsEmulatorClients.SqsAsync(emulator.Resource, ct);
                await CreateQueuesAsync(sqs, resource, ct);
            }, ct))
            .WithHealthCheck(healthCheckKey);
    }

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
        return service
            .WithAwsClientSettings(resource.Emulator)
            .WithEnvironment(context =>
            {
                context.EnvironmentVariables[$"{resource.Name}__QueueUrl"] = resource.QueueUrlOutput;
                if (resource.MaxReceiveCount is { } maxReceiveCount)
                {
                    context.EnvironmentVariables[$"{resource.Name}__DeadLetterQueueUrl"] = resource.DeadLetterQueueUrlOutput;
                    context.EnvironmentVariables[$"{resource.Name}__MaxReceiveCount"] = maxReceiveCount.ToString(CultureInfo.InvariantCulture);
                }
            })
            .WithReferenceRelationship(resource);
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
