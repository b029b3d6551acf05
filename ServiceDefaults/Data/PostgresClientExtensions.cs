using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Npgsql.EntityFrameworkCore.PostgreSQL.Infrastructure;
using Platform.ServiceDefaults.Resilience;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// Aspire's Npgsql EF Core integration (pooling, health check, tracing) with the database behind a
/// <see cref="DependencyGuard"/>: when Postgres is down a request learns it within a second or two and the service
/// answers 503, instead of waiting through EF Core's retries (about 30 s) or a 15 s connect timeout.
/// </summary>
public static class PostgresClientExtensions
{
    /// <summary>Seconds a connection attempt may take (Npgsql's default is 15).</summary>
    public const int ConnectTimeoutSeconds = 3;

    /// <summary>Seconds one command may run (Npgsql's default is 30). Migrations set their own, longer one.</summary>
    public const int CommandTimeoutSeconds = 10;

    /// <summary>True where the service's database roles sign in with IAM tokens (AWS); the AppHost sets it.</summary>
    public const string IamAuthenticationKey = "Database:IamAuthentication";

    /// <summary>How often a new token is made: well inside its 15 minutes, so a new connection never gets an expired one.</summary>
    private static readonly TimeSpan TokenRefresh = TimeSpan.FromMinutes(10);

    public static IHostApplicationBuilder AddPlatformNpgsqlDbContext<TContext>(
        this IHostApplicationBuilder builder, string connectionName, Action<DbContextOptionsBuilder>? configureDbContextOptions = null)
        where TContext : DbContext
    {
        var guardKey = $"postgres:{connectionName}";
        builder.Services.AddDependencyGuard(guardKey, "database", new DependencyGuardOptions
        {
            Timeout = null,
            // Connections pooled before the server went away are dead; drop them so recovery needs no failed request each.
            OnBreak = NpgsqlConnection.ClearAllPools,
        });

        builder.AddNpgsqlDbContext<TContext>(connectionName, settings =>
        {
            // No EF Core retries: they hold a request for half a minute. The guard fails fast and the client retries.
            settings.DisableRetry = true;
            settings.CommandTimeout ??= CommandTimeoutSeconds;
            if (settings.ConnectionString is { Length: > 0 } connectionString)
            {
                var csb = new NpgsqlConnectionStringBuilder(connectionString);
                if (!csb.ContainsKey("Timeout"))
                {
                    csb.Timeout = ConnectTimeoutSeconds;
                }

                settings.ConnectionString = csb.ConnectionString;
            }
        }, configureDbContextOptions);

        var iamAuthentication = builder.Configuration.GetValue<bool>(IamAuthenticationKey);
        builder.Services.ConfigureDbContext<TContext>((sp, options) =>
        {
            var npgsql = new NpgsqlDbContextOptionsBuilder(options).ExecutionStrategy(dependencies =>
                new GuardedExecutionStrategy(dependencies, sp.GetRequiredKeyedService<DependencyGuard>(guardKey)));
            if (iamAuthentication)
            {
                // Npgsql asks for a password when it opens a physical connection; the provider keeps a fresh token ready.
                npgsql.ConfigureDataSource(dataSource => dataSource.UsePeriodicPasswordProvider(
                    async (settings, ct) => Platform.Data.RdsIamAuthToken.Create(settings.Host!, settings.Port, settings.Username!,
                        Amazon.Runtime.FallbackRegionFactory.GetRegionEndpoint()?.SystemName
                            ?? throw new InvalidOperationException("No AWS region is configured (AWS_REGION) for IAM database authentication."),
                        await Amazon.Runtime.Credentials.DefaultAWSCredentialsIdentityResolver.GetCredentials().GetCredentialsAsync(),
                        DateTime.UtcNow),
                    TokenRefresh, TimeSpan.FromSeconds(5)));
            }
        });
        return builder;
    }

    /// <summary>
    /// EF Core runs every query, SaveChanges and migration through its execution strategy; this one runs them through
    /// the database's guard. It never retries, so explicit transactions work as they do without a strategy.
    /// </summary>
    private sealed class GuardedExecutionStrategy(ExecutionStrategyDependencies dependencies, DependencyGuard guard) : IExecutionStrategy
    {
        public bool RetriesOnFailure => false;

        public TResult Execute<TState, TResult>(
            TState state, Func<DbContext, TState, TResult> operation, Func<DbContext, TState, ExecutionResult<TResult>>? verifySucceeded) =>
            guard.RunAsync(_ => Task.FromResult(operation(dependencies.CurrentContext.Context, state)), CancellationToken.None)
                .GetAwaiter().GetResult();

        public Task<TResult> ExecuteAsync<TState, TResult>(
            TState state,
            Func<DbContext, TState, CancellationToken, Task<TResult>> operation,
            Func<DbContext, TState, CancellationToken, Task<ExecutionResult<TResult>>>? verifySucceeded,
            CancellationToken cancellationToken = default) =>
            guard.RunAsync(ct => operation(dependencies.CurrentContext.Context, state, ct), cancellationToken);
    }
}
