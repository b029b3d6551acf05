using System.Diagnostics;
using Amazon.SQS.Model;
using Microsoft.EntityFrameworkCore;
using Platform.Messaging;
using Platform.Worker.Data;
using Platform.Worker.Messaging;

namespace Platform.Worker.Features.Diagnostics;

/// <summary>Stamps a ping as received: the Worker's half of the Api → SQS → Worker round trip.</summary>
public sealed partial class PingHandler(WorkerDbContext db, TimeProvider clock, ILogger<PingHandler> logger) : IMessageHandler
{
    public string MessageType => MessageTypes.Ping;

    public async Task HandleAsync(Message message, CancellationToken cancellationToken)
    {
        var ping = QueueMessages.Deserialize<PingMessage>(message)
            ?? throw new InvalidMessageException("The ping message has no body.");
        LogReceived(logger, ping.PingId, message.MessageId);

        // Idempotent: a redelivered ping finds the row already stamped and leaves it as it is.
        await db.Pings
            .Where(p => p.Id == ping.PingId && p.ReceivedAt == null)
            .ExecuteUpdateAsync(s => s
                .SetProperty(p => p.ReceivedAt, clock.GetUtcNow())
                .SetProperty(p => p.ReceivedTraceId, Activity.Current?.TraceId.ToHexString()), cancellationToken);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Received ping {PingId} (message {MessageId})")]
    private static partial void LogReceived(ILogger logger, Guid pingId, string messageId);
}
