using Aspire.Hosting.ApplicationModel;

namespace Aspire.Hosting;

/// <summary>
/// A value an AWS resource produces once it exists (a bucket's name, a queue's URL). Locally it is known when the
/// emulator has created the resource; in AWS it is an output of the deployed stack. In the model it reads
/// <c>{storage.outputs.BucketName}</c>, which is what the CDK translation maps to the real construct's attribute.
/// </summary>
public sealed class AwsResourceOutput(IResource resource, string outputName) : IValueProvider, IManifestExpressionProvider, IValueWithReferences
{
    private readonly TaskCompletionSource<string> _value = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Func<CancellationToken, Task<string>>? _resolve;

    public IResource Resource { get; } = resource;

    public string OutputName { get; } = outputName;

    public string ValueExpression => $"{{{Resource.Name}.outputs.{OutputName}}}";

    public IEnumerable<object> References => [Resource];

    /// <summary>Waits until the resource exists: a service never starts with a queue URL that does not answer yet.</summary>
    public async ValueTask<string?> GetValueAsync(CancellationToken cancellationToken = default) =>
        _resolve is { } resolve ? await resolve(cancellationToken) : await _value.Task.WaitAsync(cancellationToken);

    public bool IsSet => _value.Task.IsCompletedSuccessfully;

    /// <summary>The same value, for a service that only names the resource and never calls it (see <see cref="AwsResourceName"/>).</summary>
    public AwsResourceName NameOnly() => new(this);

    internal void Set(string value) => _value.TrySetResult(value);

    /// <summary>
    /// Takes the value from a deployed stack (<c>Platform:LocalRuntime=aws</c>): the stack published it as
    /// <c>{resource}/{output}</c>, see <see cref="CloudFormationStackReferenceResource"/>.
    /// </summary>
    internal void ResolveFrom(CloudFormationStackReferenceResource stack) =>
        _resolve = ct => stack.GetOutputAsync(Resource.Name, OutputName, ct);
}

/// <summary>
/// An output a service receives only to name the resource, never to use it: Web's Content-Security-Policy names the
/// bucket's host, and Web has no business with the bucket. The AWS translation maps it as it maps the output itself, but
/// grants the service nothing on the resource (an <see cref="AwsResourceOutput"/> grants the access its resource gives).
/// </summary>
public sealed class AwsResourceName(AwsResourceOutput output) : IValueProvider, IManifestExpressionProvider
{
    public AwsResourceOutput Output { get; } = output;

    public string ValueExpression => Output.ValueExpression;

    public ValueTask<string?> GetValueAsync(CancellationToken cancellationToken = default) => Output.GetValueAsync(cancellationToken);
}
