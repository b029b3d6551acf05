using System.Text.RegularExpressions;
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
/// <remarks>
/// Database roles: the connection <see cref="AddPlatformPostgres"/> returns is the schema owner's, for the schema
/// migration only; each service connects with a login role of its own (<see cref="AddLogin"/>, <see cref="AddReadOnlyConnection"/>)
/// that may use the tables, never change them. Locally the AppHost creates the roles (as the server's superuser) with
/// generated passwords kept in <c>.data/</c>; the migration that owns the schema grants each role what it needs
/// (Api/Data/Migrations, "ServiceRoles"). In AWS the RDS master user owns the schema and the roles sign in with IAM tokens.
/// </remarks>
public static partial class PostgresHosting
{
    /// <summary>The role that owns the schema locally (in AWS the RDS master user does); only the migration uses it.</summary>
    public const string OwnerRole = "platform_owner";

    /// <summary>The Api's role: reads and writes rows of its tables.</summary>
    public const string ApiRole = "platform_api";

    /// <summary>The Worker's role: reads and updates the rows of the tables it maps, nothing else.</summary>
    public const string WorkerRole = "platform_worker";

    /// <summary>The read-only connection's role: reads only.</summary>
    public const string ReaderRole = "platform_reader";

    /// <summary>Set for a service whose roles sign in with IAM database authentication (AWS).</summary>
    public const string IamAuthenticationVariable = "Database__IamAuthentication";

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

        // In AWS the RDS master user owns the schema; locally a role of its own does, never the superuser.
        var database = server.Resource is RdsPostgresResource
            ? new PostgresDatabase(name, databaseName, server.Resource, readOnly: false)
            : new PostgresDatabase(name, databaseName, server.Resource, readOnly: false) { Role = OwnerRole, Password = RolePassword(builder, OwnerRole) };
        return builder.AddProvisionedResource(database, server.Resource,
                "PostgresDatabase", "Database", [new("DatabaseName", databaseName)],
                async (_, ct) =>
                {
                    var serverConnectionString = await server.Resource.ConnectionStringExpression.GetValueAsync(ct)
                        ?? throw new DistributedApplicationException($"'{serverName}' has no connection string.");
                    await CreateDatabaseIfMissingAsync(serverConnectionString, databaseName, ct);
                    if (database.Role is not null)
                    {
                        await ProvisionRolesAsync(serverConnectionString, database, ct);
                    }
                })
            .WithDatabaseHealthCheck();
    }

    /// <summary>
    /// A service's connection to the same database as a login role of its own (<paramref name="role"/>), with the
    /// privileges the schema's migration grants that role.
    /// </summary>
    public static IResourceBuilder<PostgresDatabase> AddLogin(this IResourceBuilder<PostgresDatabase> owner, [ResourceName] string name, string role) =>
        owner.AddRoleConnection(name, role, readOnly: false, "PostgresLogin", "PersonKey");

    /// <summary>
    /// The service connects with <paramref name="login"/> under <paramref name="connectionName"/> (the configuration key it
    /// already reads, e.g. <c>ConnectionStrings:postgres</c>), once the role can sign in. In AWS the service signs in
    /// with IAM tokens, which <see cref="IamAuthenticationVariable"/> tells it.
    /// </summary>
    public static IResourceBuilder<T> WithDatabaseRole<T>(this IResourceBuilder<T> service, IResourceBuilder<PostgresDatabase> login, string connectionName)
        where T : IResourceWithEnvironment, IResourceWithWaitSupport
    {
        service.WithReference(login, connectionName).WaitFor(login);
        return login.Resource.Server is RdsPostgresResource ? service.WithEnvironment(IamAuthenticationVariable, "true") : service;
    }

    /// <summary>Locally the address of the server without its user: a role's connection string starts with it.</summary>
    internal static ReferenceExpression AddressOf(IResourceWithConnectionString server) => server switch
    {
        LocalServerResource local => ReferenceExpression.Create(
            $"Host={local.PrimaryEndpoint.Property(EndpointProperty.Host)};Port={local.PrimaryEndpoint.Property(EndpointProperty.Port)}"),
        PostgresServerResource container => ReferenceExpression.Create(
            $"Host={container.PrimaryEndpoint.Property(EndpointProperty.Host)};Port={container.PrimaryEndpoint.Property(EndpointProperty.Port)}"),
        _ => throw new InvalidOperationException($"'{server.Name}' ({server.GetType().Name}) has no local address."),
    };

    private static IResourceBuilder<PostgresDatabase> AddRoleConnection(this IResourceBuilder<PostgresDatabase> owner, string name, string role,
        bool readOnly, string resourceType, string iconName)
    {
        var builder = owner.ApplicationBuilder;
        var databaseName = owner.Resource.DatabaseName;
        var connection = new PostgresDatabase(name, databaseName, owner.Resource, readOnly)
        {
            Role = role,
            Password = owner.Resource.Server is RdsPostgresResource ? null : RolePassword(builder, role),
        };
        owner.Resource.Logins.Add(connection);
        return builder.AddProvisionedResource(connection, owner.Resource, resourceType, iconName,
                [new("DatabaseName", databaseName), new("Role", role)], (_, _) => Task.CompletedTask)
            .WithDatabaseHealthCheck();
    }

    /// <summary>A role's password, generated once and kept in <c>.data/</c> (mode 600); the AppHost sets it on every start.</summary>
    private static ParameterResource RolePassword(IDistributedApplicationBuilder builder, string role)
    {
        var file = Path.Combine(LocalProcesses.DataDirectory(builder), $"postgres-role-{role}.password");
        return builder.AddParameter($"postgres-role-{role.Replace('_', '-')}-password", () => LocalProcesses.PersistentSecret(file), secret: true).Resource;
    }

    /// <summary>
    /// As the server's superuser: each login role exists with its current password and no special attribute, the owner
    /// role owns the database (and so its <c>public</c> schema) and every table in it (a database made before the roles
    /// existed is handed over). What each role may do with the tables, the migration grants.
    /// </summary>
    private static async Task ProvisionRolesAsync(string serverConnectionString, PostgresDatabase owner, CancellationToken ct)
    {
        var quote = new NpgsqlCommandBuilder();
        var csb = new NpgsqlConnectionStringBuilder(serverConnectionString) { Database = "postgres", Pooling = false };
        await using (var connection = new NpgsqlConnection(csb.ConnectionString))
        {
            await connection.OpenAsync(ct);
            foreach (var login in owner.Logins.Prepend(owner))
            {
                var role = quote.QuoteIdentifier(login.Role!);
                var password = await login.Password!.GetValueAsync(ct) ?? "";
                // The password is embedded in the statement (CREATE ROLE takes no parameters): it must be what we generate.
                if (!GeneratedPassword().IsMatch(password))
                {
                    throw new DistributedApplicationException($"The password of role {login.Role} is not a generated one; delete its file in the data folder.");
                }

                await using var exists = new NpgsqlCommand("SELECT 1 FROM pg_roles WHERE rolname = @name", connection);
                exists.Parameters.AddWithValue("name", login.Role!);
                var verb = await exists.ExecuteScalarAsync(ct) is null ? "CREATE" : "ALTER";
                await using var command = new NpgsqlCommand(
                    $"{verb} ROLE {role} WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS PASSWORD '{password}'", connection);
                try
                {
                    await command.ExecuteNonQueryAsync(ct);
                }
                catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.DuplicateObject)
                {
                    // Another AppHost created it between the check and the create; its password is set on our next start.
                }
            }

            await using var alter = new NpgsqlCommand(
                $"ALTER DATABASE {quote.QuoteIdentifier(owner.DatabaseName)} OWNER TO {quote.QuoteIdentifier(owner.Role!)}", connection);
            await alter.ExecuteNonQueryAsync(ct);
        }

        csb.Database = owner.DatabaseName;
        await using var database = new NpgsqlConnection(csb.ConnectionString);
        await database.OpenAsync(ct);
        // Tables (their sequences and indexes follow) and views in public that someone else owns: the superuser did,
        // before the schema had an owner role of its own.
        await using var handOver = new NpgsqlCommand($"""
            DO $$
            DECLARE r record;
            BEGIN
              FOR r IN SELECT c.relname FROM pg_class c
                       WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p', 'v', 'm')
                         AND c.relowner <> (SELECT oid FROM pg_roles WHERE rolname = {Literal(owner.Role!)}) LOOP
                EXECUTE format('ALTER TABLE public.%I OWNER TO %I', r.relname, {Literal(owner.Role!)});
              END LOOP;
            END $$;
            """, database);
        await handOver.ExecuteNonQueryAsync(ct);
    }

    private static string Literal(string identifier) =>
        Regex.IsMatch(identifier, "^[a-z_]+$") ? $"'{identifier}'" : throw new ArgumentException($"Not a role name: {identifier}");

    [GeneratedRegex("^[0-9a-f]{32,}$")]
    private static partial Regex GeneratedPassword();

    /// <summary>
    /// Adds a read-only connection string to the same database: the RDS read replica in AWS, the primary locally with
    /// every transaction read-only, so a write sent to it fails here just as it would against the replica.
    /// </summary>
    public static IResourceBuilder<PostgresDatabase> AddReadOnlyConnection(
        this IResourceBuilder<PostgresDatabase> primary, [ResourceName] string name, string role = ReaderRole) =>
        primary.AddRoleConnection(name, role, readOnly: true, "PostgresReadReplica", "DatabaseArrowRight");

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
