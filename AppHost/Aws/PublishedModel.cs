using Aspire.Hosting.ApplicationModel;

namespace Platform.AppHost.Aws;

/// <summary>
/// The app model as the CDK translation reads it: the resources in model order, and each service's configuration exactly
/// as Aspire would hand it to the process (the projects' environment callbacks run in publish mode). Captured first,
/// asynchronously, so building constructs afterwards is plain synchronous code.
/// </summary>
public sealed class PublishedModel
{
    private PublishedModel(IReadOnlyList<IResource> resources, IReadOnlyList<PublishedService> services)
    {
        Resources = resources;
        Services = services;
    }

    public IReadOnlyList<IResource> Resources { get; }

    public IReadOnlyList<PublishedService> Services { get; }

    public static async Task<PublishedModel> CaptureAsync(
        IEnumerable<IResource> resources, DistributedApplicationExecutionContext executionContext, CancellationToken cancellationToken)
    {
        if (!executionContext.IsPublishMode)
        {
            throw new InvalidOperationException("The AWS stack is translated from the published model (--operation publish) only.");
        }

        var all = resources.ToList();
        var services = new List<PublishedService>();
        foreach (var project in all.OfType<ProjectResource>())
        {
            var variables = new Dictionary<string, object>();
            var context = new EnvironmentCallbackContext(executionContext, project, variables, cancellationToken);
            foreach (var callback in project.Annotations.OfType<EnvironmentCallbackAnnotation>())
            {
                await callback.Callback(context);
            }

            // Sorted, so the same model always gives the same template bytes.
            services.Add(new PublishedService(project, variables.OrderBy(v => v.Key, StringComparer.Ordinal).ToList()));
        }

        return new PublishedModel(all, services);
    }
}

/// <summary>A project resource and its configuration (environment variable name → value or expression).</summary>
public sealed record PublishedService(ProjectResource Resource, IReadOnlyList<KeyValuePair<string, object>> Environment)
{
    public string Name => Resource.Name;
}
