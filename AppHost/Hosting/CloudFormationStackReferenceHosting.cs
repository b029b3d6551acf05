using Amazon;
using Amazon.Runtime;
using Amazon.Runtime.CredentialManagement;
using Amazon.SimpleSystemsManagement;
using Amazon.SimpleSystemsManagement.Model;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.Logging;
using Platform.AppHost.Hosting;

namespace Aspire.Hosting;

/// <summary>
/// A deployed CloudFormation stack whose outputs reach the services that use its resources, in the shape of
/// Aspire.Hosting.AWS's stack references (not served here). With <c>Platform:LocalRuntime=aws</c> the bucket and queues
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
                        "Could not read the outputs of stack '{Stack}' in {Region}: {Message}. Deploy it first (README, 'Deploy to AWS'), " +
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

/// <summary>Where a stack's outputs come from: SSM Parameter Store in AWS, a fake in tests.</summary>
public interface IStackOutputSource
{
    /// <summary>The outputs of <paramref name="stackName"/>, keyed <c>{resource}/{output}</c> (e.g. <c>storage/BucketName</c>).</summary>
    Task<IReadOnlyDictionary<string, string>> GetOutputsAsync(string stackName, CancellationToken cancellationToken);
}

/// <summary>
/// Reads a stack's outputs from SSM Parameter Store, under <c>/{stackName}/outputs/{resource}/{output}</c>, where the CDK
/// stack writes one String parameter per value a service receives. Why not CloudFormation's DescribeStacks:
/// AWSSDK.CloudFormation is not served to our builds, and shelling out to the AWS CLI would add an install. SSM is an
/// SDK we have, works with the same profile, and needs only <c>ssm:GetParametersByPath</c> on that path.
/// </summary>
public sealed class SsmStackOutputSource(IAwsSdkConfig config) : IStackOutputSource
{
    public static string ParameterPath(string stackName) => $"/{stackName}/outputs/";

    public async Task<IReadOnlyDictionary<string, string>> GetOutputsAsync(string stackName, CancellationToken cancellationToken)
    {
        using var ssm = CreateClient();
        var path = ParameterPath(stackName);
        var outputs = new SortedDictionary<string, string>(StringComparer.Ordinal);
        string? next = null;
        do
        {
            var page = await ssm.GetParametersByPathAsync(new GetParametersByPathRequest { Path = path, Recursive = true, NextToken = next }, cancellationToken);
            foreach (var parameter in page.Parameters ?? [])
            {
                outputs[parameter.Name[path.Length..]] = parameter.Value;
            }

            next = page.NextToken;
        }
        while (!string.IsNullOrEmpty(next));

        return outputs.Count > 0
            ? outputs
            : throw new DistributedApplicationException($"No outputs under SSM path '{path}' in {config.Region}: is the stack '{stackName}' deployed there?");
    }

    private AmazonSimpleSystemsManagementClient CreateClient()
    {
        var region = RegionEndpoint.GetBySystemName(config.Region);
        if (config.Profile is { } profile)
        {
            return new CredentialProfileStoreChain().TryGetAWSCredentials(profile, out AWSCredentials credentials)
                ? new AmazonSimpleSystemsManagementClient(credentials, region)
                : throw new DistributedApplicationException($"The AWS profile '{profile}' ({AwsSdkConfigHosting.ProfileKey}) was not found in ~/.aws.");
        }

        return new AmazonSimpleSystemsManagementClient(region);
    }
}

/// <summary>A deployed CloudFormation stack; <see cref="GetOutputAsync"/> reads one of its outputs (all are read once).</summary>
public sealed class CloudFormationStackReferenceResource(string name, string stackName, IAwsSdkConfig config, IStackOutputSource source)
    : Resource(name), IResourceWithWaitSupport
{
    private readonly Lock _gate = new();
    private Task<IReadOnlyDictionary<string, string>>? _outputs;

    public string StackName { get; } = stackName;

    public IAwsSdkConfig Config { get; } = config;

    /// <summary>Where the outputs come from; tests replace it with a fake before anything is read.</summary>
    public IStackOutputSource OutputSource { get; set; } = source;

    public Task<IReadOnlyDictionary<string, string>> GetOutputsAsync(CancellationToken cancellationToken)
    {
        Task<IReadOnlyDictionary<string, string>> outputs;
        lock (_gate)
        {
            // Read once for every service and output; a caller that gives up does not cancel the read for the others.
            outputs = _outputs ??= OutputSource.GetOutputsAsync(StackName, CancellationToken.None);
        }

        return outputs.WaitAsync(cancellationToken);
    }

    /// <summary>The value a resource of the stack produced, e.g. <c>("storage", "BucketName")</c>.</summary>
    public async Task<string> GetOutputAsync(string resourceName, string outputName, CancellationToken cancellationToken)
    {
        var outputs = await GetOutputsAsync(cancellationToken);
        var key = $"{resourceName}/{outputName}";
        return outputs.TryGetValue(key, out var value)
            ? value
            : throw new DistributedApplicationException(
                $"The stack '{StackName}' has no output '{key}' (it has: {string.Join(", ", outputs.Keys)}). Deploy the current stack, then start again.");
    }
}
