using Microsoft.EntityFrameworkCore;
using Platform.Messaging.Outbox;

namespace Platform.Api.Data;

public static class DataExtensions
{
    public const string PrimaryConnectionName = "postgres";
    public const string ReadConnectionName = "postgres-read";

    /// <summary>
    /// Two DbContexts on Aspire's Npgsql integration (pooling, health checks, tracing), each behind a circuit breaker
    /// that answers fast when Postgres is down: writes to the primary, queries to the read-only connection. The primary
    /// holds the outbox, whose messages are written in the same transaction as the changes they announce.
    /// </summary>
    public static IHostApplicationBuilder AddPlatformData(this IHostApplicationBuilder builder)
    {
        builder.AddPlatformNpgsqlDbContext<PlatformDbContext>(PrimaryConnectionName);
        builder.AddPlatformNpgsqlDbContext<PlatformReadDbContext>(ReadConnectionName, configureDbContextOptions: options =>
            options.UseQueryTrackingBehavior(QueryTrackingBehavior.NoTracking));
        builder.AddOutbox<PlatformDbContext>();
        return builder;
    }

    /// <summary>
    /// Brings the schema up to date before the Api takes traffic. Several instances starting together are safe: EF Core
    /// takes a database lock around migrations.
    /// </summary>
    public static async Task MigrateDatabaseAsync(this WebApplication app)
    {
        await using var scope = app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PlatformDbContext>();
        // A migration may run longer than the commands of a request may.
        db.Database.SetCommandTimeout(TimeSpan.FromMinutes(5));
        await db.Database.MigrateAsync(app.Lifetime.ApplicationStopping);
    }
}
