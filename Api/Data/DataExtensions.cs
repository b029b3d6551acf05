using Microsoft.EntityFrameworkCore;

namespace Platform.Api.Data;

public static class DataExtensions
{
    public const string PrimaryConnectionName = "postgres";
    public const string ReadConnectionName = "postgres-read";

    /// <summary>
    /// Two DbContexts on Aspire's Npgsql integration (pooling, retries, health checks, tracing): writes to the primary,
    /// queries to the read-only connection.
    /// </summary>
    public static IHostApplicationBuilder AddPlatformData(this IHostApplicationBuilder builder)
    {
        builder.AddNpgsqlDbContext<PlatformDbContext>(PrimaryConnectionName);
        builder.AddNpgsqlDbContext<PlatformReadDbContext>(ReadConnectionName, configureDbContextOptions: options =>
            options.UseQueryTrackingBehavior(QueryTrackingBehavior.NoTracking));
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
        await db.Database.MigrateAsync(app.Lifetime.ApplicationStopping);
    }
}
