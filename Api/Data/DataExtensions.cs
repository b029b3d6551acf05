using System.Reflection;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Platform.Messaging.Outbox;

namespace Platform.Api.Data;

public static class DataExtensions
{
    public const string PrimaryConnectionName = "postgres";
    public const string ReadConnectionName = "postgres-read";

    /// <summary>Run as <c>Api --migrate-only</c>: bring the schema up to date, then exit (the AppHost's migration step).</summary>
    public const string MigrateOnlyArgument = "--migrate-only";

    /// <summary>False where a migration step of its own runs first (locally, the AppHost's <c>migrations</c>).</summary>
    public const string MigrateOnStartKey = "Database:MigrateOnStart";

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
        if (!app.Configuration.GetValue(MigrateOnStartKey, defaultValue: true))
        {
            return;
        }

        await using var scope = app.Services.CreateAsyncScope();
        // In AWS the Api's own role may not change the schema: it migrates as the schema's owner, whose connection and
        // password (an ECS secret from the RDS-managed master secret) it receives for this alone.
        await using var owned = OwnerContext(app.Configuration);
        var db = owned ?? scope.ServiceProvider.GetRequiredService<PlatformDbContext>();
        // A migration may run longer than the commands of a request may.
        db.Database.SetCommandTimeout(TimeSpan.FromMinutes(5));
        await db.Database.MigrateAsync(app.Lifetime.ApplicationStopping);
    }

    /// <summary>The schema owner's connection string (without its password) and where its password is.</summary>
    public const string OwnerConnectionName = "postgres-owner";

    public const string OwnerPasswordKey = "Database:OwnerPassword";

    private static PlatformDbContext? OwnerContext(IConfiguration configuration)
    {
        if (configuration.GetConnectionString(OwnerConnectionName) is not { Length: > 0 } connectionString)
        {
            return null;
        }

        var csb = new Npgsql.NpgsqlConnectionStringBuilder(connectionString) { Pooling = false };
        if (configuration[OwnerPasswordKey] is { Length: > 0 } password)
        {
            csb.Password = password;
        }

        return new PlatformDbContext(new DbContextOptionsBuilder<PlatformDbContext>().UseNpgsql(csb.ConnectionString).Options);
    }

    /// <summary>
    /// The migration as a step of its own: only the primary's DbContext, no web host, no telemetry. Most starts find
    /// the schema current, so that is checked first with one query (the newest migration this build knows against the
    /// database's history) before EF Core builds its model; anything else goes through <c>MigrateAsync</c>, under EF
    /// Core's migration lock.
    /// </summary>
    public static async Task MigrateOnlyAsync(string[] args)
    {
        var builder = Host.CreateApplicationBuilder(args);
        var connectionString = builder.Configuration.GetConnectionString(PrimaryConnectionName);
        if (connectionString is not null && await IsSchemaCurrentAsync(connectionString))
        {
            return;
        }

        builder.AddNpgsqlDbContext<PlatformDbContext>(PrimaryConnectionName, settings =>
        {
            settings.DisableHealthChecks = true;
            settings.DisableTracing = true;
            settings.DisableMetrics = true;
        });
        using var host = builder.Build();
        await using var scope = host.Services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<PlatformDbContext>().Database.MigrateAsync();
    }

    private static async Task<bool> IsSchemaCurrentAsync(string connectionString)
    {
        var newest = typeof(PlatformDbContext).Assembly.GetTypes()
            .Where(t => t.GetCustomAttribute<DbContextAttribute>()?.ContextType == typeof(PlatformDbContext))
            .Select(t => t.GetCustomAttribute<Microsoft.EntityFrameworkCore.Migrations.MigrationAttribute>()?.Id)
            .Where(id => id is not null)
            .Max(StringComparer.Ordinal);
        try
        {
            await using var connection = new Npgsql.NpgsqlConnection(connectionString);
            await connection.OpenAsync();
            await using var query = new Npgsql.NpgsqlCommand(
                "SELECT \"MigrationId\" FROM \"__EFMigrationsHistory\" ORDER BY \"MigrationId\" DESC LIMIT 1", connection);
            return newest is not null && await query.ExecuteScalarAsync() is string applied && applied == newest;
        }
        catch (Npgsql.PostgresException ex) when (ex.SqlState == Npgsql.PostgresErrorCodes.UndefinedTable)
        {
            return false; // A fresh database: no history yet.
        }
    }
}
