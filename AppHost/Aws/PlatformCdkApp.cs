using System.Text.Json;
using Amazon.CDK;
using Amazon.CDK.CXAPI;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;

using IResource = Aspire.Hosting.ApplicationModel.IResource;

namespace Platform.AppHost.Aws;

/// <summary>
/// The CDK app: the app model in, a cloud assembly (<c>manifest.json</c> + CloudFormation templates) out, which
/// <c>npx cdk deploy --app &lt;dir&gt;</c> deploys. Three stacks: <see cref="ImagesStack"/>, <see cref="GitHubOidcStack"/>
/// and the application <see cref="PlatformStack"/>. Offline and deterministic: no lookups (the availability zones come
/// from <c>cdk.context.json</c>), no assets, no version reporting.
/// </summary>
public static class PlatformCdkApp
{
    public static async Task<CloudAssembly> SynthesizeAsync(
        IEnumerable<IResource> resources, DistributedApplicationExecutionContext executionContext,
        IDictionary<string, object> context, string outputDirectory, CancellationToken cancellationToken)
    {
        var model = await PublishedModel.CaptureAsync(resources, executionContext, cancellationToken);
        return Synthesize(model, context, outputDirectory);
    }

    public static CloudAssembly Synthesize(PublishedModel model, IDictionary<string, object> context, string outputDirectory)
    {
        var app = new App(new AppProps
        {
            Outdir = outputDirectory,
            // Applied after the CDK CLI's context (CDK_CONTEXT_JSON), so the AppHost's own settings win.
            PostCliContext = context,
            AnalyticsReporting = false,
            // Construct stack traces in the assembly name temporary folders: they would change the bytes on every run.
            StackTraces = false,
        });
        var settings = AwsDeploymentSettings.FromContext(key => app.Node.TryGetContext(key));
        var zones = AvailabilityZones(app, settings.Region);

        new ImagesStack(app, model, settings);
        new GitHubOidcStack(app, settings);
        new PlatformStack(app, model, settings, zones);

        var assembly = app.Synth();
        if (assembly.Manifest.Missing is { Length: > 0 } missing)
        {
            throw new InvalidOperationException(
                $"Synthesis wanted to look up {string.Join(", ", missing.Select(m => m.Key))}: add the values to cdk.context.json (synthesis stays offline).");
        }

        WriteImageList(model, outputDirectory);
        return assembly;
    }

    public const string ImageListFile = "images.json";

    /// <summary>
    /// <c>images.json</c> beside the templates: each service's ECR repository and project, so the deploy workflow builds
    /// and pushes exactly the images the stack runs (a project added to the model is built without editing the workflow).
    /// </summary>
    private static void WriteImageList(PublishedModel model, string outputDirectory)
    {
        var images = model.Services.Select(service =>
        {
            var projectPath = service.Resource.Annotations.OfType<IProjectMetadata>().Single().ProjectPath;
            return new Dictionary<string, string>
            {
                ["service"] = service.Name,
                ["repository"] = ImagesStack.RepositoryName(service.Name),
                ["digestParameter"] = ImagesStack.DigestParameterName(service.Name),
                ["project"] = Path.GetRelativePath(RepositoryRootOf(projectPath), projectPath).Replace('\\', '/'),
            };
        });
        File.WriteAllText(Path.Combine(outputDirectory, ImageListFile),
            JsonSerializer.Serialize(images, new JsonSerializerOptions { WriteIndented = true }) + "\n");
    }

    /// <summary>The repository a project belongs to: the nearest folder above it with a global.json.</summary>
    private static string RepositoryRootOf(string projectPath)
    {
        for (var dir = Path.GetDirectoryName(projectPath); dir is not null; dir = Path.GetDirectoryName(dir))
        {
            if (File.Exists(Path.Combine(dir, "global.json")))
            {
                return dir;
            }
        }

        return Path.GetDirectoryName(projectPath)!;
    }

    /// <summary>
    /// The zones of the region, from the context key <c>availability-zones:region={region}</c> (committed in
    /// <c>cdk.context.json</c>). Given explicitly, so no stack ever asks AWS (or the account) for them.
    /// </summary>
    public static IReadOnlyList<string> AvailabilityZones(App app, string region)
    {
        var key = $"availability-zones:region={region}";
        var value = app.Node.TryGetContext(key);
        var zones = value switch
        {
            IEnumerable<object> list when value is not string => list.Select(z => Convert.ToString(z, System.Globalization.CultureInfo.InvariantCulture) ?? "").ToList(),
            JsonElement { ValueKind: JsonValueKind.Array } json => json.EnumerateArray().Select(z => z.GetString() ?? "").ToList(),
            _ => [],
        };
        return zones.Count >= 3 && zones.All(z => z.StartsWith(region, StringComparison.Ordinal))
            ? zones
            : throw new InvalidOperationException($"The CDK context value '{key}' must list at least 3 zones of {region} (cdk.context.json).");
    }

    /// <summary>
    /// The context for a synthesis started by the AppHost itself: <c>cdk.json</c>'s <c>context</c>, then
    /// <c>cdk.context.json</c>, then <paramref name="overrides"/> (the AppHost's <c>Platform:Aws:Context</c> section).
    /// </summary>
    public static Dictionary<string, object> LoadContext(string repositoryRoot, IEnumerable<KeyValuePair<string, string?>> overrides)
    {
        var context = new Dictionary<string, object>(StringComparer.Ordinal);
        void Merge(JsonElement element)
        {
            foreach (var property in element.EnumerateObject())
            {
                context[property.Name] = FromJson(property.Value);
            }
        }

        var cdkJson = Path.Combine(repositoryRoot, "cdk.json");
        if (File.Exists(cdkJson))
        {
            using var document = JsonDocument.Parse(File.ReadAllText(cdkJson));
            if (document.RootElement.TryGetProperty("context", out var section))
            {
                Merge(section);
            }
        }

        var contextJson = Path.Combine(repositoryRoot, "cdk.context.json");
        if (File.Exists(contextJson))
        {
            using var document = JsonDocument.Parse(File.ReadAllText(contextJson));
            Merge(document.RootElement);
        }

        foreach (var (key, value) in overrides)
        {
            if (value is not null)
            {
                context[key] = value;
            }
        }

        return context;
    }

    private static object FromJson(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString()!,
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        JsonValueKind.Number => value.GetDouble(),
        JsonValueKind.Array => value.EnumerateArray().Select(FromJson).ToArray(),
        JsonValueKind.Object => value.EnumerateObject().ToDictionary(p => p.Name, p => FromJson(p.Value)),
        _ => "",
    };
}
