using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;

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
