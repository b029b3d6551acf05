using Aspire.Hosting.ApplicationModel;
using Platform.AppHost.Hosting;

namespace Aspire.Hosting;

/// <summary>
/// The two forms of an S3/SQS resource that are the real AWS service rather than an emulator: in the published model it is
/// plain data for the CDK translation; with <c>Platform:LocalRuntime=aws</c> it belongs to the deployed stack, and its
/// outputs (bucket name, queue URLs) are read from the stack reference.
/// </summary>
internal static class AwsServiceForms
{
    public static IResourceBuilder<T> AddRealAwsResource<T>(
        this IDistributedApplicationBuilder builder, T resource, string resourceType, string iconName,
        ResourcePropertySnapshot property, Func<T, IEnumerable<AwsResourceOutput>> usedOutputs)
        where T : Resource
    {
        var added = builder.AddResource(resource).WithIconName(iconName);
        if (LocalRuntime.PublishesAwsStack(builder))
        {
            return added;
        }

        var stack = builder.GetOrAddPlatformStackReference();
        foreach (var output in resource.Annotations.OfType<AwsResourceOutputsAnnotation>().SelectMany(a => a.Outputs))
        {
            output.ResolveFrom(stack);
        }

        return added
            .WithParentRelationship(stack)
            .WithInitialState(new CustomResourceSnapshot
            {
                ResourceType = resourceType,
                State = KnownResourceStates.NotStarted,
                Properties = [property, new("Stack", stack.StackName)],
            })
            // Running once every output a service will receive exists in the stack: a missing one fails here, by name.
            .OnInitializeResource((r, e, ct) => PlatformDefaults.StartAfterParentAsync(r, stack, e, async () =>
            {
                foreach (var output in usedOutputs(r))
                {
                    await output.GetValueAsync(ct);
                }
            }, ct));
    }
}
