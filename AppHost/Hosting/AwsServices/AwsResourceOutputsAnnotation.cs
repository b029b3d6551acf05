using Aspire.Hosting.ApplicationModel;

namespace Aspire.Hosting;

/// <summary>The outputs a resource produces, so a form can bind them all (e.g. to a stack reference) in one place.</summary>
internal sealed class AwsResourceOutputsAnnotation(params AwsResourceOutput[] outputs) : IResourceAnnotation
{
    public IReadOnlyList<AwsResourceOutput> Outputs { get; } = outputs;
}
