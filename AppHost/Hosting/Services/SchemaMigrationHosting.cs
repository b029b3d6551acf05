using Aspire.Hosting.ApplicationModel;

namespace Aspire.Hosting;

/// <summary>
/// The schema migration as a start-up step of its own: the project that owns the schema, run once with
/// <c>--migrate-only</c> as soon as its database is up; the services that need the schema wait for it to finish, and
/// everything else starts without waiting for them.
/// </summary>
/// <remarks>
/// It runs the project's built assembly with <c>dotnet exec</c> (no <c>dotnet run</c>: nothing to evaluate, no wrapper
/// process), from where the project said it builds it when the AppHost was built. Run mode only: in AWS the
/// Api's tasks migrate at start, under EF Core's migration lock.
/// </remarks>
public static class SchemaMigrationHosting
{
    /// <summary>The configuration key the owner of the schema reads to skip its own migration at start.</summary>
    public const string MigrateOnStartVariable = "Database__MigrateOnStart";

    public static IResourceBuilder<SchemaMigrationResource>? AddSchemaMigration<TProject>(
        this IDistributedApplicationBuilder builder, [ResourceName] string name, IResourceBuilder<PostgresDatabase> database)
        where TProject : IProjectMetadata, new()
    {
        if (!builder.ExecutionContext.IsRunMode)
        {
            return null;
        }

        var projectPath = new TProject().ProjectPath;
        var projectDirectory = Path.GetDirectoryName(projectPath)!;
        var assembly = ProjectBuildOutput.TargetPath(projectPath);

        return builder.AddResource(new SchemaMigrationResource(name, projectDirectory, database.Resource))
            .WithArgs(context =>
            {
                if (!File.Exists(assembly))
                {
                    throw new DistributedApplicationException(
                        $"'{assembly}' is missing: build the solution before running the AppHost (eng/run.sh does).");
                }

                context.Args.Add("exec");
                context.Args.Add(assembly);
                context.Args.Add("--migrate-only");
            })
            .WithReference(database)
            .WaitFor(database)
            .WithIconName("DatabaseArrowUp");
    }

    /// <summary>The connection string the owner of the schema migrates with at start (AWS), without its password.</summary>
    public const string OwnerConnectionName = "postgres-owner";

    /// <summary>The schema owner's password at start (AWS): the RDS master secret's field, an ECS secret read at task start.</summary>
    public const string OwnerPasswordVariable = "Database__OwnerPassword";

    /// <summary>
    /// Where there is no migration step (AWS), the service migrates at start as the schema's owner: it receives the
    /// owner's connection (<see cref="OwnerConnectionName"/>) apart from its own role's, and the password as an ECS
    /// secret of its own (<see cref="OwnerPasswordVariable"/>, the RDS-managed master secret's <c>password</c> field), so a
    /// rotated password reaches every task that starts after the rotation. Its requests run as its own role. In run mode
    /// the migration step does this and nothing is added.
    /// </summary>
    public static IResourceBuilder<T> WithSchemaOwnerAtStart<T>(this IResourceBuilder<T> service, IResourceBuilder<PostgresDatabase> owner)
        where T : IResourceWithEnvironment
    {
        if (owner.Resource.Server is not RdsPostgresResource rds)
        {
            return service;
        }

        var connection = ReferenceExpression.Create(
            $"Host={rds.Host};Port={rds.Port};Username={rds.Username};SSL Mode=Require;Database={owner.Resource.DatabaseName}");
        return service
            .WithEnvironment($"ConnectionStrings__{OwnerConnectionName}", connection)
            .WithEnvironment(context => context.EnvironmentVariables[OwnerPasswordVariable] = rds.Password);
    }

    /// <summary>
    /// The service starts once the schema is migrated, and does not migrate again itself. Without a migration step
    /// (publish mode) nothing changes: the Api migrates at start.
    /// </summary>
    public static IResourceBuilder<T> WaitForSchema<T>(this IResourceBuilder<T> service, IResourceBuilder<SchemaMigrationResource>? migration)
        where T : IResourceWithWaitSupport, IResourceWithEnvironment =>
        migration is null ? service : service.WaitForCompletion(migration).WithEnvironment(MigrateOnStartVariable, "false");
}
