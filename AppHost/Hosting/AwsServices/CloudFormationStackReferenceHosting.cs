using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.Logging;
using Platform.AppHost.Hosting;

namespace Aspire.Hosting;

/// <summary>
/// A deployed CloudFormation stack whose outputs reach the services that use its resources, in the shape of
/// Aspire.Hosting.AWS's stack references (kept to that shape so a move to the integration is a rename). With <c>Platform:LocalRuntime=aws</c> the bucket and queues
/// are the stack's: <c>storage:BucketName</c>, <c>messaging:QueueUrl</c>… carry the same keys the emulators fill, so Api
/// and Worker code is identical.
/// </summary>
public static class CloudFormationStackReferenceHosting
{
    public const string StackNameKey = "Platform:Aws:StackName";
    public const string DefaultStackName = "Platform-dev";
    public const string PlatformStackResourceName = "aws-stack";

    /// <summary>
    /// Adds a reference to the deployed stack <paramref name="stackName"/>. Its outputs are read, once, from SSM Parameter
    /// Store under <c>/{stackName}/outputs/</c>, where the stack publishes them (see <see cref="SsmStackOutputSource"/>
    /// for why not CloudFormation's DescribeStacks).
    /// </summary>
    public static IResourceBuilder<CloudFormationStackReferenceResource> AddAwsCloudFormationStackReference(
        this IDistributedApplicationBuilder builder, [ResourceName] string name, string stackName)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(stackName);
        var config = builder.AddAwsSdkConfig();
        var stack = new CloudFormationStackReferenceResource(name, stackName, config, new SsmStackOutputSource(config));
        return builder.AddResource(stack)
            .WithIconName("CloudArrowUp")
            .WithInitialState(new CustomResourceSnapshot
            {
                ResourceType = "CloudFormationStack",
                State = KnownResourceStates.NotStarted,
                Properties = [new("StackName", stackName), new("Region", config.Region), new("Profile", config.Profile ?? "(default chain)")],
            })
            .OnInitializeResource(async (resource, e, ct) =>
            {
                try
                {
                    await e.Notifications.PublishUpdateAsync(resource, s => s with { State = KnownResourceStates.Starting });
                    var outputs = await resource.GetOutputsAsync(ct);
                    await e.Notifications.PublishUpdateAsync(resource, s => s with
                    {
                        State = KnownResourceStates.Running,
                        StartTimeStamp = DateTime.UtcNow,
                        Properties = [.. s.Properties, new("Outputs", outputs.Count)],
                    });
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    e.Logger.LogError(ex,
                        "Could not read the outputs of stack '{Stack}' in {Region}: {Message}. Deploy it first (docs/aws.md, 'Deploy to AWS'), " +
                        "and check the profile ({ProfileKey}) and region ({RegionKey}).",
                        resource.StackName, resource.Config.Region, ex.Message, AwsSdkConfigHosting.ProfileKey, AwsSdkConfigHosting.RegionKey);
                    await e.Notifications.PublishUpdateAsync(resource, s => s with { State = KnownResourceStates.FailedToStart });
                }
            });
    }

    /// <summary>The platform's own stack (<c>Platform:Aws:StackName</c>, default <c>Platform-dev</c>), added once.</summary>
    internal static CloudFormationStackReferenceResource GetOrAddPlatformStackReference(this IDistributedApplicationBuilder builder)
    {
        if (builder.Resources.OfType<CloudFormationStackReferenceResource>().SingleOrDefault(r => r.Name == PlatformStackResourceName) is { } existing)
        {
            return existing;
        }

        var stackName = builder.Configuration[StackNameKey] is { Length: > 0 } configured ? configured.Trim() : DefaultStackName;
        return builder.AddAwsCloudFormationStackReference(PlatformStackResourceName, stackName).Resource;
    }
}
