using System.Diagnostics;
using Amazon.SQS;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Platform.Api.Data;
using Platform.Messaging;

namespace Platform.Api.Features.Diagnostics;

/// <summary>
/// <c>/api/diagnostics/pings</c>: send a message through the queue and see when the Worker received it. The smoke test
/// of the asynchronous path, locally and after a deployment.
/// </summary>
public static class DiagnosticsEndpoints
{
    public static IEndpointRouteBuilder MapDiagnosticsEndpoints(this IEndpointRouteBuilder app)
    {
        var pings = app.MapGroup("/api/diagnostics/pings").WithTags("Diagnostics");
        pings.MapPost("/", SendPingAsync).WithName("SendPing");
        pings.MapGet("/{id:guid}", GetPingAsync).WithName("GetPing");
        return app;
    }

    public sealed record PingResponse(Guid Id, DateTimeOffset SentAt, DateTimeOffset? ReceivedAt, string? SentTraceId, string? ReceivedTraceId);

    private static async Task<Accepted<PingResponse>> SendPingAsync(
        PlatformDbContext db, IAmazonSQS sqs, IOptions<SqsQueueSettings> queue, TimeProvider clock, CancellationToken ct)
    {
        var ping = new Ping { Id = Guid.CreateVersion7(), SentAt = clock.GetUtcNow(), SentTraceId = Activity.Current?.TraceId.ToHexString() };
        db.Pings.Add(ping);
        await db.SaveChangesAsync(ct);
        await sqs.SendAsync(queue.Value.QueueUrl, MessageTypes.Ping, new PingMessage(ping.Id, ping.SentAt), ct);
        return TypedResults.Accepted($"/api/diagnostics/pings/{ping.Id}", ToResponse(ping));
    }

    private static async Task<Results<Ok<PingResponse>, NotFound>> GetPingAsync(Guid id, PlatformReadDbContext db, CancellationToken ct) =>
        await db.Pings.SingleOrDefaultAsync(p => p.Id == id, ct) is { } ping
            ? TypedResults.Ok(ToResponse(ping))
            : TypedResults.NotFound();

    private static PingResponse ToResponse(Ping p) => new(p.Id, p.SentAt, p.ReceivedAt, p.SentTraceId, p.ReceivedTraceId);
}
