using Amazon.CDK;
using Amazon.CDK.AWS.CloudWatch;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.SQS;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using static Platform.AppHost.Aws.PolicySuppressions;

namespace Platform.AppHost.Aws.Translators;

/// <summary>
/// <see cref="SqsQueueResource"/> → an SQS queue and its dead-letter queue (KMS, TLS only, redrive after the model's
/// receive count), with alarms on the oldest message's age and on dead letters. A referencing service's task role gets
/// what its <see cref="QueueAccessAnnotation"/> names (send, consume, or both); the outputs are the queue URLs.
/// </summary>
public sealed class SqsQueueTranslator(PlatformStack stack) : AwsResourceTranslator<SqsQueueResource>(stack)
{
    private readonly Dictionary<SqsQueueResource, (Queue Queue, Queue? DeadLetterQueue)> _queues = [];

    public Queue QueueOf(SqsQueueResource resource) => _queues[resource].Queue;

    public override void Translate(IReadOnlyList<SqsQueueResource> resources)
    {
        foreach (var resource in resources)
        {
            TranslateQueue(resource);
        }
    }

    private void TranslateQueue(SqsQueueResource resource)
    {
        var id = ServiceConfiguration.Sanitize(resource.Name);
        Queue? deadLetters = null;
        if (resource.MaxReceiveCount is not null)
        {
            deadLetters = new Queue(Stack, $"{id}DeadLetters", new QueueProps
            {
                Encryption = QueueEncryption.KMS,
                EncryptionMasterKey = Stack.Key,
                DataKeyReuse = Duration.Minutes(15),
                EnforceSSL = true,
                // As long as SQS allows, so nothing is lost before someone looks.
                RetentionPeriod = Duration.Days(14),
                RemovalPolicy = RemovalPolicy.DESTROY,
            });
            Add(deadLetters,
                new Suppression("AwsSolutions-SQS3", "This is the dead-letter queue of its queue."),
                new Suppression("CT.SQS.PR.1", "This is the dead-letter queue of its queue; its messages wait for a person, with an alarm."));
            Stack.Watch(deadLetters.MetricApproximateNumberOfMessagesVisible(new Amazon.CDK.AWS.CloudWatch.MetricOptions { Period = Duration.Minutes(1), Statistic = "Maximum" }),
                $"{resource.Name} dead letters", ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD, 1,
                $"A message of '{resource.QueueName}' failed {resource.MaxReceiveCount} times and waits in the dead-letter queue.");
        }

        var queue = new Queue(Stack, id, new QueueProps
        {
            Encryption = QueueEncryption.KMS,
            EncryptionMasterKey = Stack.Key,
            DataKeyReuse = Duration.Minutes(15),
            EnforceSSL = true,
            VisibilityTimeout = Duration.Minutes(2),
            RetentionPeriod = Duration.Days(4),
            DeadLetterQueue = deadLetters is null ? null : new DeadLetterQueue { Queue = deadLetters, MaxReceiveCount = resource.MaxReceiveCount!.Value },
            RemovalPolicy = RemovalPolicy.DESTROY,
        });
        if (deadLetters is null)
        {
            Add(queue, new Suppression("AwsSolutions-SQS3", $"The app model gives '{resource.Name}' no dead-letter queue."));
        }

        _queues[resource] = (queue, deadLetters);
        Stack.Configuration.RegisterOutput(resource.QueueUrlOutput, new PlainTaskValue(queue.QueueUrl));
        if (deadLetters is not null)
        {
            Stack.Configuration.RegisterOutput(resource.DeadLetterQueueUrlOutput, new PlainTaskValue(deadLetters.QueueUrl));
        }

        Stack.Watch(queue.MetricApproximateAgeOfOldestMessage(new Amazon.CDK.AWS.CloudWatch.MetricOptions { Period = Duration.Minutes(1), Statistic = "Maximum" }),
            $"{resource.Name} age", ComparisonOperator.GREATER_THAN_THRESHOLD, 300, $"The oldest message of '{resource.QueueName}' waits more than 5 minutes.");
    }

    public override void Grant(SqsQueueResource resource, ProjectResource service, IRole taskRole)
    {
        var access = service.Annotations.OfType<QueueAccessAnnotation>().Where(a => a.Queue == resource)
            .Aggregate((QueueAccess)0, (all, a) => all | a.Access);
        var (queue, deadLetters) = _queues[resource];
        GrantQueue(taskRole, queue, deadLetters, access == 0 ? QueueAccess.SendAndConsume : access);
    }

    private void GrantQueue(IRole role, Queue queue, Queue? deadLetters, QueueAccess access)
    {
        // Services get the URLs from their configuration, so never sqs:GetQueueUrl; GetQueueAttributes is their health check.
        var actions = new List<string> { "sqs:GetQueueAttributes" };
        var keyActions = new List<string>();
        if (access.HasFlag(QueueAccess.Send))
        {
            actions.Add("sqs:SendMessage");
            keyActions.AddRange(["kms:GenerateDataKey", "kms:Decrypt"]);
        }

        if (access.HasFlag(QueueAccess.Consume))
        {
            actions.AddRange(["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility"]);
            keyActions.Add("kms:Decrypt");
        }

        role.AddToPrincipalPolicy(new PolicyStatement(new PolicyStatementProps { Actions = [.. actions], Resources = [queue.QueueArn] }));
        if (deadLetters is not null && access.HasFlag(QueueAccess.Consume))
        {
            // A consumer moves a message that can never succeed to the dead-letter queue itself (the Worker's
            // QueueConsumer): a send, encrypted with the data key. Nothing else reads or writes that queue.
            role.AddToPrincipalPolicy(new PolicyStatement(new PolicyStatementProps { Actions = ["sqs:SendMessage"], Resources = [deadLetters.QueueArn] }));
            keyActions.Add("kms:GenerateDataKey");
        }

        role.AddToPrincipalPolicy(new PolicyStatement(new PolicyStatementProps { Actions = [.. keyActions.Distinct()], Resources = [Stack.Key.KeyArn] }));
    }
}
