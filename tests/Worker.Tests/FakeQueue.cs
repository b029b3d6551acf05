using System.Collections.Concurrent;
using System.Globalization;
using System.Reflection;
using Amazon.SQS;
using Amazon.SQS.Model;

namespace Platform.Worker.Tests;

/// <summary>
/// An in-memory SQS queue with the semantics the consumer relies on: receive hides a message, delete removes it, a
/// visibility change records the new timeout. Only the operations the consumer calls are served; anything else throws,
/// so a test notices if the consumer starts depending on more.
/// </summary>
public sealed class FakeQueue
{
    public const string Url = "http://fake/000000000000/media-events";
    public const string DeadLetterUrl = "http://fake/000000000000/media-events-dlq";

    private readonly ConcurrentQueue<Message> _visible = new();

    public ConcurrentBag<string> Deleted { get; } = [];

    public ConcurrentQueue<(string ReceiptHandle, int Seconds)> VisibilityChanges { get; } = new();

    public ConcurrentBag<SendMessageRequest> SentToDeadLetter { get; } = [];

    public ConcurrentBag<int> RequestedBatchSizes { get; } = [];

    public IAmazonSQS Client { get; }

    public FakeQueue()
    {
        var proxy = DispatchProxy.Create<IAmazonSQS, Proxy>();
        ((Proxy)(object)proxy).Queue = this;
        Client = proxy;
    }

    public Message Add(string type, string body = "{}", int receiveCount = 1)
    {
        var id = Guid.NewGuid().ToString("N");
        var message = new Message
        {
            MessageId = id,
            ReceiptHandle = "rh-" + id,
            Body = body,
            MessageAttributes = new() { ["type"] = new MessageAttributeValue { DataType = "String", StringValue = type } },
            Attributes = new()
            {
                ["ApproximateReceiveCount"] = receiveCount.ToString(CultureInfo.InvariantCulture),
                ["SentTimestamp"] = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture),
            },
        };
        _visible.Enqueue(message);
        return message;
    }

    /// <summary>Receives that never answer until cancelled (a long poll whose connection died silently).</summary>
    public int HangingReceives;

    /// <summary>Receives made so far.</summary>
    public int Receives => Volatile.Read(ref _receives);

    private int _receives;

    private async Task<ReceiveMessageResponse> ReceiveAsync(ReceiveMessageRequest request, CancellationToken ct)
    {
        Interlocked.Increment(ref _receives);
        if (Interlocked.Decrement(ref HangingReceives) >= 0)
        {
            await Task.Delay(Timeout.Infinite, ct);
        }

        RequestedBatchSizes.Add(request.MaxNumberOfMessages ?? 1);
        var batch = new List<Message>();
        while (batch.Count < (request.MaxNumberOfMessages ?? 1) && _visible.TryDequeue(out var message))
        {
            batch.Add(message);
        }

        if (batch.Count == 0)
        {
            // A short long-poll: long enough not to spin, short enough for quick tests.
            await Task.Delay(20, ct);
        }

        return new ReceiveMessageResponse { Messages = batch.Count == 0 ? null : batch };
    }

    public class Proxy : DispatchProxy
    {
        internal FakeQueue Queue { get; set; } = null!;

        protected override object? Invoke(MethodInfo? method, object?[]? args)
        {
            ArgumentNullException.ThrowIfNull(method);
            args ??= [];
            switch (method.Name)
            {
                case nameof(IAmazonSQS.ReceiveMessageAsync) when args[0] is ReceiveMessageRequest request:
                    return Queue.ReceiveAsync(request, (CancellationToken)args[1]!);
                case nameof(IAmazonSQS.DeleteMessageAsync) when args[1] is string receiptHandle:
                    Queue.Deleted.Add(receiptHandle);
                    return Task.FromResult(new DeleteMessageResponse());
                case nameof(IAmazonSQS.ChangeMessageVisibilityAsync) when args[1] is string receiptHandle:
                    Queue.VisibilityChanges.Enqueue((receiptHandle, (int)args[2]!));
                    return Task.FromResult(new ChangeMessageVisibilityResponse());
                case nameof(IAmazonSQS.SendMessageAsync) when args[0] is SendMessageRequest send && send.QueueUrl == DeadLetterUrl:
                    Queue.SentToDeadLetter.Add(send);
                    return Task.FromResult(new SendMessageResponse { MessageId = Guid.NewGuid().ToString("N") });
                case nameof(IDisposable.Dispose):
                    return null;
                default:
                    throw new NotSupportedException($"The fake queue does not serve {method.Name}.");
            }
        }
    }
}
