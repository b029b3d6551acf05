using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Platform.AppHost.Aws.Translators;
using Platform.AppHost.Hosting;

namespace Aspire.Hosting;

/// <summary>
/// <c>postgres</c>: the application's PostgreSQL database. Locally its server is Aspire's Postgres container or Debian's
/// PostgreSQL as a process; in AWS it is RDS. Whatever the form, services receive <c>ConnectionStrings:{name}</c>.
/// </summary>
public static class PostgresHosting
{
    /// <summary>Npgsql's way to make every transaction on a connection read-only, as it is on an RDS read replica.</summary>
    internal const string ReadOnlyOptions = "-c default_transaction_read_only=on";

    /// <summary>
    /// Adds a PostgreSQL server (named <c>{name}-server</c>) and the database <paramref name="databaseName"/> on it,
    /// exposed as the connection string <paramref name="name"/>. The database is created when the server is ready.
    /// </summary>
    public static IResourceBuilder<PostgresDatabase> AddPlatformPostgres(
        this IDistributedApplicationBuilder builder, [ResourceName] string name, string databaseName)
    {
        var serverName = $"{name}-server";

        var server = LocalRuntime.ChooseServerForm<IResourceBuilder<IResourceWithConnectionString>>(builder,
            aws: () => builder.AddResource(new RdsPostgresResource(serverName)).PublishAsRdsPostgres(),
            container: () => builder.AddPostgres(serverName).WithDataVolume().WithLifetime(ContainerLifetime.Session),
            process: () => builder.AddPostgresProcess(serverName));

        return builder.AddProvisionedResource(new PostgresDatabase(name, databaseName, server.Resource, readOnly: false), server.Resource,
                "PostgresDatabase", "Database", [new("DatabaseName", databaseName)],
                async (_, ct) =>
                {
                    var serverConnectionString = await server.Resource.ConnectionStringExpression.GetValueAsync(ct)
                        ?? throw new DistributedApplicationException($"'{serverName}' has no connection string.");
                    await CreateDatabaseIfMissingAsync(serverConnectionString, databaseName, ct);
                })
            .WithDatabaseHealthCheck();
    }

    /// <summary>
    /// Adds a read-only connection string to the same database: the RDS read replica in AWS, the primary locally with
    /// every transaction read-only, so a write sent to it fails here just as it would against the replica.
    /// </summary>
    public static IResourceBuilder<PostgresDatabase> AddReadOnlyConnection(
        this IResourceBuilder<PostgresDatabase> primary, [ResourceName] string name)
    {
        var databaseName = primary.Resource.DatabaseName;
        return primary.ApplicationBuilder.AddProvisionedResource(new PostgresDatabase(name, databaseName, primary.Resource, readOnly: true), primary.Resource,
                "PostgresReadReplica", "DatabaseArrowRight", [new("DatabaseName", databaseName)], (_, _) => Task.CompletedTask)
            .WithDatabaseHealthCheck();
    }

    private static IResourceBuilder<PostgresDatabase> WithDatabaseHealthCheck(this IResourceBuilder<PostgresDatabase> builder)
    {
        var resource = builder.Resource;
        var key = $"{resource.Name}_check";
        string? connectionString = null;
        builder.OnConnectionStringAvailable(async (r, _, ct) => connectionString = await r.ConnectionStringExpression.GetValueAsync(ct));
        builder.ApplicationBuilder.Services.AddHealthChecks().AddNpgSql(
            _ => connectionString ?? throw new InvalidOperationException($"The connection string of '{resource.Name}' is not available yet."),
            name: key);
        return builder.WithHealthCheck(key);
    }

    private static async Task CreateDatabaseIfMissingAsync(string serverConnectionString, string databaseName, CancellationToken ct)
    {
        var csb = new NpgsqlConnectionStringBuilder(serverConnectionString) { Database = "postgres", Pooling = false };
        await using var connection = new NpgsqlConnection(csb.ConnectionString);
        await connection.OpenAsync(ct);

        await using var exists = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = @name", connection);
        exists.Parameters.AddWithValue("name", databaseName);
        if (await exists.ExecuteScalarAsync(ct) is not null)
        {
            return;
        }

        var quoted = new NpgsqlCommandBuilder().QuoteIdentifier(databaseName);
        await using var create = new NpgsqlCommand($"CREATE DATABASE {quoted}", connection);
        try
        {
            await create.ExecuteNonQueryAsync(ct);
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.DuplicateDatabase)
        {
            // Another AppHost created it between the check and the create: the database exists, which is all we need.
        }
    }
}
