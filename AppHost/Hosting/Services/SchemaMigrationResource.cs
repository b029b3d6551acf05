using Aspire.Hosting.ApplicationModel;

namespace Aspire.Hosting;

/// <summary>A process that migrates <see cref="Database"/>'s schema at start-up and ends (exit code 0).</summary>
public sealed class SchemaMigrationResource(string name, string workingDirectory, PostgresDatabase database)
    : ExecutableResource(name, "dotnet", workingDirectory), IRunsToCompletion
{
    public PostgresDatabase Database { get; } = database;
}
