using System.Text.Json.Nodes;
using Amazon.CDK.Assertions;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Platform.AppHost.Aws;

namespace Platform.Aws.Tests;

/// <summary>Synthesizes app models the way <c>aspire publish</c> does, into a temporary cloud assembly.</summary>
internal static class Synthesis
{
    public static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);

    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    /// <summary>The GitHub repository offline synthesis names (eng/test.sh and eng/aws/preflight.sh name the same).</summary>
    public const string ExampleRepository = "example-org/platform";

    /// <summary>The real AppHost's model in publish mode.</summary>
    public static async Task<IDistributedApplicationTestingBuilder> RealModelAsync(params string[] settings)
    {
        using var cts = new CancellationTokenSource(Timeout);
        return await DistributedApplicationTestingBuilder.CreateAsync<Projects.AppHost>(
            ["--operation", "publish", .. settings],
            (options, _) => options.DisableDashboard = true,
            cts.Token);
    }

    /// <summary>An empty builder in publish mode, for throwaway models (nothing is built or started).</summary>
    public static IDistributedApplicationBuilder ThrowawayModel() => DistributedApplication.CreateBuilder(new DistributedApplicationOptions
    {
        Args = ["--operation", "publish"],
        DisableDashboard = true,
        AssemblyName = typeof(PlatformCdkApp).Assembly.GetName().Name,
        ProjectDirectory = Path.Combine(RepositoryRoot, "AppHost"),
    });

    /// <summary>Synthesizes <paramref name="resources"/> with the repository's context plus <paramref name="context"/>.</summary>
    public static async Task<SynthesizedApp> SynthesizeAsync(IEnumerable<IResource> resources, params (string Key, string Value)[] context)
    {
        var output = Directory.CreateTempSubdirectory("platform-cdk-").FullName;
        // The repository the deploy roles trust has no default (cdk.json); offline synthesis names an example one.
        var merged = PlatformCdkApp.LoadContext(RepositoryRoot,
            [new("githubRepository", ExampleRepository), .. context.Select(c => new KeyValuePair<string, string?>(c.Key, c.Value))]);
        using var cts = new CancellationTokenSource(Timeout);
        try
        {
            var assembly = await PlatformCdkApp.SynthesizeAsync(resources, new DistributedApplicationExecutionContext(DistributedApplicationOperation.Publish), merged, output, cts.Token);
            return new SynthesizedApp(output, assembly.Stacks.ToDictionary(s => s.StackName, s => s.TemplateFullPath));
        }
        catch
        {
            Directory.Delete(output, recursive: true);
            throw;
        }
    }

    private static string FindRepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Platform.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Platform.sln not found above the test binaries.");
    }
}

/// <summary>A synthesized cloud assembly: each stack's template, as CDK assertions and as JSON.</summary>
internal sealed class SynthesizedApp(string outputDirectory, IReadOnlyDictionary<string, string> templatePaths)
{
    public string OutputDirectory { get; } = outputDirectory;

    public IReadOnlyCollection<string> StackNames => templatePaths.Keys.ToList();

    public Template Template(string stack) => Amazon.CDK.Assertions.Template.FromString(File.ReadAllText(templatePaths[stack]));

    public JsonObject Json(string stack) => JsonNode.Parse(File.ReadAllText(templatePaths[stack]))!.AsObject();
}
