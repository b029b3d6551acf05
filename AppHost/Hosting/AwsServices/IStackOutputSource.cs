namespace Aspire.Hosting;

/// <summary>Where a stack's outputs come from: SSM Parameter Store in AWS, a fake in tests.</summary>
public interface IStackOutputSource
{
    /// <summary>The outputs of <paramref name="stackName"/>, keyed <c>{resource}/{output}</c> (e.g. <c>storage/BucketName</c>).</summary>
    Task<IReadOnlyDictionary<string, string>> GetOutputsAsync(string stackName, CancellationToken cancellationToken);
}
