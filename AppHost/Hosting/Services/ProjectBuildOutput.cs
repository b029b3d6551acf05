using System.Reflection;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.Configuration;

namespace Aspire.Hosting;

/// <summary>
/// Where each referenced project's build is, and running it from there. The paths are what each project itself answered
/// when the AppHost was built (AppHost.csproj, target <c>EmbedProjectReferenceTargetPaths</c>), so nothing is rebuilt
/// by convention and nothing runs at start to find them.
/// </summary>
public static class ProjectBuildOutput
{
    /// <summary>
    /// Run mode: each service runs as its built executable. Aspire's default, <c>dotnet run --no-build</c>, evaluates the
    /// project file and stays as a second process beside every service, about 2.3 CPU-seconds each before the service
    /// itself starts: on a 2-core laptop the largest single cost of a start (docs/performance.md). The AppHost is built
    /// with its services (eng/run.sh, the test projects), so the executables are current. Under an IDE, which launches
    /// and debugs the projects itself, and under <c>dotnet watch</c>, which rebuilds them, Aspire's own launch stays.
    /// </summary>
    public static void RunBuiltExecutablesAtStart(IDistributedApplicationBuilder builder)
    {
        if (!builder.ExecutionContext.IsRunMode
            || Environment.GetEnvironmentVariable("DEBUG_SESSION_PORT") is { Length: > 0 }
            || builder.Configuration.GetValue<bool>("DOTNET_WATCH"))
        {
            return;
        }

        builder.Eventing.Subscribe<BeforeStartEvent>((e, _) =>
        {
            foreach (var project in e.Model.Resources.OfType<ProjectResource>().Where(p => !p.HasAnnotationOfType<ExecutableAnnotation>()))
            {
                var projectPath = project.GetProjectMetadata().ProjectPath;
                var executable = Executable(projectPath);
                if (!File.Exists(executable))
                {
                    throw new DistributedApplicationException(
                        $"'{executable}' is missing: build the solution before running the AppHost (eng/run.sh does).");
                }

                project.Annotations.Add(new ExecutableAnnotation { Command = executable, WorkingDirectory = Path.GetDirectoryName(projectPath)! });
            }

            return Task.CompletedTask;
        });
    }

    /// <summary>The assembly the project builds (its <c>TargetPath</c>).</summary>
    public static string TargetPath(string projectPath)
    {
        var key = "TargetPath:" + Path.GetFileNameWithoutExtension(projectPath);
        return typeof(ProjectBuildOutput).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .FirstOrDefault(attribute => attribute.Key == key)?.Value
            ?? throw new DistributedApplicationException($"The AppHost was built without the assembly metadata '{key}' (AppHost.csproj, target EmbedProjectReferenceTargetPaths).");
    }

    /// <summary>The native launcher the SDK builds beside the assembly (UseAppHost, on by default).</summary>
    private static string Executable(string projectPath) =>
        Path.ChangeExtension(TargetPath(projectPath), OperatingSystem.IsWindows() ? ".exe" : null);
}
