using Aspire.Hosting.ApplicationModel;

namespace Aspire.Hosting;

/// <summary>
/// The AWS region a service runs against. Locally a fixed name; in the published model <c>{aws.region}</c>, which the
/// CDK translation maps to the stack's region (<c>AWS::Region</c>).
/// </summary>
public sealed class AwsRegionValue(string? localRegion) : IValueProvider, IManifestExpressionProvider
{
    public string ValueExpression => localRegion ?? "{aws.region}";

    public ValueTask<string?> GetValueAsync(CancellationToken cancellationToken = default) =>
        ValueTask.FromResult<string?>(localRegion ?? throw new InvalidOperationException("The region of a published stack is known only in AWS."));
}
