using System.Reflection;
using Aspire.Hosting.ApplicationModel;

namespace Aspire.Hosting;

/// <summary>
/// The schema migration as a start-up step of its own: the project that owns the schema, run once with
/// <c>--migrate-only</c> as soon as its database is up; the services that need the schema wait for it to finish, and
/// everything else starts without waiting for them.
/// </summary>
/// <remarks>
/// It runs the project's built assembly with <c>dotnet exec</c> (no <c>dotnet run</c>: nothing to evaluate, no wrapper
/// process), from the output folder of the configuration the AppHost itself was built in. Run mode only: in AWS the
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
        var configuration = typeof(SchemaMigrationHosting).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";
        var framework = $"net{Environment.Version.Major}.{Environment.Version.Minor}";
        var assembly = Path.Combine(projectDirectory, "bin", configuration, framework, Path.GetFileNameWithoutExtension(projectPath) + ".dll");

        return builder.AddResource(new SchemaMigrationResource(name, projectDirectory, database.Resource))
            .WithArgs(context =>
            {
                if (!File.Exists(assembly))
                {
                    throw new DistributedApplicationException(
                        $"'{assembly}' is missing: build the solution ({configuration}) before running the AppHost (eng/run.sh does).");
                }

                context.Args.Add("exec");
                context.Args.Add(assembly);
                context.Args.Add("--migrate-only");
            })
            .WithReference(database)
            .WaitFor(database)
            .WithIconName("DatabaseArrowUp");
    }

    /// <summary>
    /// The service starts once the schema is migrated, and does not migrate again itself. Without a migration step
    /// (publish mode) nothing changes: the Api migrates at start.
    /// </summary>
    public static IResourceBuilder<T> WaitForSchema<T>(this IResourceBuilder<T> service, IResourceBuilder<SchemaMigrationResource>? migration)
        where T : IResourceWithWaitSupport, IResourceWithEnvironment =>
        migration is null ? service : service.WaitForCompletion(migration).WithEnvironment(MigrateOnStartVariable, "false");
}
