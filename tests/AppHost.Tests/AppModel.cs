using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Eventing;
using Aspire.Hosting.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Platform.AppHost.Tests;

/// <summary>Builds the real AppHost's model (never starts it) in a chosen local runtime.</summary>
internal static class AppModel
{
    public static readonly TimeSpan Timeout = TimeSpan.FromMinutes(1);

    public static async Task<IDistributedApplicationTestingBuilder> CreateAsync(string runtime, params string[] settings)
    {
        var dataDirectory = Directory.CreateTempSubdirectory("platform-model-").FullName;
        using var cts = new CancellationTokenSource(Timeout);
        return await DistributedApplicationTestingBuilder.CreateAsync<Projects.AppHost>(
            [$"--Platform:LocalRuntime={runtime}", $"--Platform:DataDirectory={dataDirectory}", .. settings],
            (options, _) => options.DisableDashboard = true,
            cts.Token);
    }

    /// <summary>
    /// An empty model with the AppHost's settings, for the Add… extensions alone: built with <c>Build()</c>, it never runs
    /// an entry point (the real AppHost's testing builder would go on to <c>Run()</c>).
    /// </summary>
    public static IDistributedApplicationBuilder Bare(string runtime, params string[] settings) =>
        DistributedApplication.CreateBuilder(new DistributedApplicationOptions
        {
            Args = [$"--Platform:LocalRuntime={runtime}", $"--Platform:DataDirectory={Directory.CreateTempSubdirectory("platform-model-").FullName}", .. settings],
            DisableDashboard = true,
            AssemblyName = "AppHost",
            ProjectDirectory = Directory.Exists(Projects.AppHost.ProjectPath) ? Projects.AppHost.ProjectPath : Path.GetDirectoryName(Projects.AppHost.ProjectPath),
        });

    /// <summary>
    /// The start of the AppHost's lifecycle without starting anything: what the Platform's handlers do when Aspire
    /// announces the start (<see cref="BeforeStartEvent"/>), before the orchestrator launches a process.
    /// </summary>
    public static Task AnnounceStartAsync(this DistributedApplication app)
    {
        using var cts = new CancellationTokenSource(Timeout);
        var eventing = app.Services.GetRequiredService<IDistributedApplicationEventing>();
        return eventing.PublishAsync(new BeforeStartEvent(app.Services, app.Services.GetRequiredService<DistributedApplicationModel>()), cts.Token);
    }

    public static T Resource<T>(this IDistributedApplicationTestingBuilder builder, string name) where T : IResource =>
        Assert.IsType<T>(Assert.Single(builder.Resources, r => r.Name == name), exactMatch: false);

    /// <summary>The environment variable names a resource is started with (values are not resolved).</summary>
    public static async Task<SortedSet<string>> EnvironmentKeysAsync(this IDistributedApplicationTestingBuilder builder, string name) =>
        new((await builder.EnvironmentAsync(name)).Keys, StringComparer.Ordinal);

    /// <summary>
    /// The environment a resource is started with, as its callbacks state it: plain strings, or the expressions Aspire
    /// resolves at start (not resolved here).
    /// </summary>
    public static async Task<Dictionary<string, object>> EnvironmentAsync(this IDistributedApplicationTestingBuilder builder, string name)
    {
        var resource = builder.Resource<IResourceWithEnvironment>(name);
        var variables = new Dictionary<string, object>();
        var context = new EnvironmentCallbackContext(new DistributedApplicationExecutionContext(DistributedApplicationOperation.Run), resource, variables);
        foreach (var callback in resource.Annotations.OfType<EnvironmentCallbackAnnotation>())
        {
            await callback.Callback(context);
        }

        return variables;
    }
}
