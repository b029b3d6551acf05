using Aspire.Hosting.ApplicationModel;

namespace Aspire.Hosting;

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
