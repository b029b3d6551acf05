using System.Diagnostics;
using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Platform.Api.Data;
using Platform.Api.Features.Accounts;
using Platform.Api.Features.Media;
using Platform.Data;
using Platform.Media;
using Platform.Messaging;
using Platform.Messaging.Outbox;

namespace Platform.Api.Features.Diagnostics;

/// <summary>
/// <c>/api/diagnostics/pings</c>: send a message through the queue and see when the Worker received it. The smoke test
/// of the asynchronous path, locally and after a deployment, for any signed-in user. A ping is its sender's: anyone
/// else's id answers 404, exactly like an id that does not exist.
/// </summary>
public static class DiagnosticsEndpoints
{
    public static IEndpointRouteBuilder MapDiagnosticsEndpoints(this IEndpointRouteBuilder app)
    {
        // Signed in, and a ping takes from the sender's write allowance: each one writes a row and sends a message, so
        // nobody may fill the database or the queue with them.
        var pings = app.MapGroup("/api/diagnostics/pings").WithTags("Diagnostics")
            .RequireAuthorization(AccountsExtensions.SignedInUserPolicy)
            .ProducesProblem(StatusCodes.Status401Unauthorized);
        pings.MapPost("/", SendPingAsync).WithName("SendPing")
            .RequireRateLimiting(MediaExtensions.WritePolicy)
            .ProducesProblem(StatusCodes.Status429TooManyRequests);
        pings.MapGet("/{id:guid}", GetPingAsync).WithName("GetPing");

        // Where a media item's processing ran: the trace of the request that completed its upload and the trace the
        // Worker processed it in. Equal when W3C trace context crosses the queue. Only the owner may look.
        app.MapGet("/api/diagnostics/media/{id:guid}", GetMediaTraceAsync).WithName("GetMediaTrace").WithTags("Diagnostics")
            .RequireAuthorization(AccountsExtensions.SignedInUserPolicy);
        return app;
    }

    public sealed record MediaTraceResponse(Guid Id, string Status, string? CompleteTraceId, string? ProcessedTraceId);

    private static async Task<Results<Ok<MediaTraceResponse>, NotFound>> GetMediaTraceAsync(Guid id, ClaimsPrincipal user, MediaStore store, CancellationToken ct) =>
        await store.GetAsync(user.UserId(), id, ct) is { } item
            ? TypedResults.Ok(new MediaTraceResponse(item.Id, item.Status.ToText(), item.CompleteTraceId, item.ProcessedTraceId))
            : TypedResults.NotFound();

    public sealed record PingResponse(Guid Id, DateTimeOffset SentAt, DateTimeOffset? ReceivedAt, string? SentTraceId, string? ReceivedTraceId);

    private static async Task<Accepted<PingResponse>> SendPingAsync(
        ClaimsPrincipal user, PlatformDbContext db, Outbox<PlatformDbContext> outbox, TimeProvider clock, CancellationToken ct)
    {
        var ping = new Ping
        {
            Id = Guid.CreateVersion7(),
            OwnerId = user.UserId(),
            SentAt = clock.GetUtcNow(),
            SentTraceId = Activity.Current?.TraceId.ToHexString(),
        };
        db.Pings.Add(ping);
        outbox.Enqueue(MessageTypes.Ping, new PingMessage(ping.Id, ping.SentAt));
        await db.SaveChangesAsync(ct);
        await outbox.SendAsync();
        return TypedResults.Accepted($"/api/diagnostics/pings/{ping.Id}", ToResponse(ping));
    }

    private static async Task<Results<Ok<PingResponse>, NotFound>> GetPingAsync(Guid id, ClaimsPrincipal user, PlatformReadDbContext db, CancellationToken ct)
    {
        var ownerId = user.UserId();
        return await db.Pings.AsNoTracking().SingleOrDefaultAsync(p => p.Id == id && p.OwnerId == ownerId, ct) is { } ping
            ? TypedResults.Ok(ToResponse(ping))
            : TypedResults.NotFound();
    }

    private static PingResponse ToResponse(Ping p) => new(p.Id, p.SentAt, p.ReceivedAt, p.SentTraceId, p.ReceivedTraceId);
}
