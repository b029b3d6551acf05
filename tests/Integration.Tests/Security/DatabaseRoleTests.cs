using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Platform.Integration.Tests.Security;

/// <summary>
/// An attacker who takes over the Api or the Worker holds the database credentials that service was given. With them
/// they cannot change the schema (drop, alter, create), cannot rewrite the migration history, and the Worker cannot read
/// what it has no use for (the Identity tables with the password hashes, the outbox). Every statement runs inside a
/// transaction that is rolled back, so a credential that could do it leaves nothing behind.
/// </summary>
public sealed class DatabaseRoleTests(PlatformAppFixture fixture)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("DROP TABLE media_items")]
    [InlineData("ALTER TABLE media_items ADD COLUMN stolen text")]
    [InlineData("CREATE TABLE public.attacker_table (id int)")]
    [InlineData("CREATE SCHEMA attacker")]
    [InlineData("DELETE FROM \"__EFMigrationsHistory\"")]
    [InlineData("ALTER ROLE CURRENT_USER SUPERUSER")]
    public async Task The_apis_credentials_cannot_change_the_schema(string statement)
    {
        await AssertDeniedAsync(await ConnectionStringOfAsync("api", "postgres"), statement);
    }

    [Theory]
    [InlineData("SELECT \"PasswordHash\" FROM \"AspNetUsers\"")]
    [InlineData("SELECT * FROM outbox_messages")]
    [InlineData("DELETE FROM media_items")]
    [InlineData("INSERT INTO pings (id, sent_at) VALUES (gen_random_uuid(), now())")]
    [InlineData("DROP TABLE media_items")]
    [InlineData("TRUNCATE pings")]
    [InlineData("CREATE TABLE public.attacker_table (id int)")]
    public async Task The_workers_credentials_reach_only_the_rows_it_processes(string statement)
    {
        await AssertDeniedAsync(await ConnectionStringOfAsync("worker", "postgres"), statement);
    }

    [Theory]
    [InlineData("UPDATE media_items SET file_name = file_name")]
    [InlineData("DELETE FROM \"AspNetUsers\"")]
    public async Task The_read_only_connection_cannot_write_even_in_a_read_write_transaction(string statement)
    {
        await AssertDeniedAsync(await ConnectionStringOfAsync("api", "postgres-read"), statement, readWrite: true);
    }

    [Fact]
    public async Task Each_service_signs_in_as_a_role_of_its_own_that_owns_nothing()
    {
        var api = await ConnectionStringOfAsync("api", "postgres");
        var read = await ConnectionStringOfAsync("api", "postgres-read");
        var worker = await ConnectionStringOfAsync("worker", "postgres");

        var users = new[] { api, read, worker }.Select(c => new NpgsqlConnectionStringBuilder(c).Username).ToList();
        Assert.Equal(3, users.Distinct().Count());
        Assert.DoesNotContain("postgres", users);

        // What the Worker needs still works: it reads and updates the media it processes.
        await using var connection = await OpenAsync(worker);
        await using var transaction = await connection.BeginTransactionAsync(Ct);
        await using var update = new NpgsqlCommand("UPDATE media_items SET updated_at = updated_at WHERE id = gen_random_uuid()", connection, transaction);
        Assert.Equal(0, await update.ExecuteNonQueryAsync(Ct));
        await using var owned = new NpgsqlCommand(
            "SELECT count(*) FROM pg_class WHERE relowner = (SELECT oid FROM pg_roles WHERE rolname = current_user)", connection, transaction);
        Assert.Equal(0L, await owned.ExecuteScalarAsync(Ct));
    }

    /// <summary>The value the service's process receives (its environment), not what a test would choose.</summary>
    private async Task<string> ConnectionStringOfAsync(string service, string connectionName)
    {
        var model = fixture.App.Services.GetRequiredService<DistributedApplicationModel>();
        var project = model.Resources.OfType<ProjectResource>().Single(p => p.Name == service);
        // Obsolete for building a process's configuration, still the plainest way to read one value of it here.
#pragma warning disable CS0618
        var environment = await project.GetEnvironmentVariableValuesAsync(DistributedApplicationOperation.Run);
#pragma warning restore CS0618
        return environment[$"ConnectionStrings__{connectionName}"];
    }

    private static async Task<NpgsqlConnection> OpenAsync(string connectionString)
    {
        var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString);
        await connection.OpenAsync(Ct);
        return connection;
    }

    private static async Task AssertDeniedAsync(string connectionString, string statement, bool readWrite = false)
    {
        await using var connection = await OpenAsync(connectionString);
        await using var transaction = await connection.BeginTransactionAsync(Ct);
        if (readWrite)
        {
            await using var setReadWrite = new NpgsqlCommand("SET TRANSACTION READ WRITE", connection, transaction);
            await setReadWrite.ExecuteNonQueryAsync(Ct);
        }

        await using var command = new NpgsqlCommand(statement, connection, transaction);
        var denied = await Assert.ThrowsAsync<PostgresException>(() => command.ExecuteNonQueryAsync(Ct));
        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, denied.SqlState);
        await transaction.RollbackAsync(Ct);
    }
}
