using Aspire.Hosting.ApplicationModel;

namespace Aspire.Hosting;

/// <summary>
/// A resource that is an AWS service (a bucket, a queue): served by the emulator locally, the real service otherwise, and
/// known to services by the values it produces once it exists (<see cref="Outputs"/>).
/// </summary>
public abstract class AwsServiceResource(string name, IAwsEmulatorResource? emulator) : Resource(name), IResourceWithWaitSupport
{
    private readonly List<AwsResourceOutput> _outputs = [];

    /// <summary>The emulator serving it locally; null where it is the real service.</summary>
    public IAwsEmulatorResource? Emulator { get; } = emulator;

    /// <summary>Every value it produces, so a form can bind them all (e.g. to a stack reference) in one place.</summary>
    public IReadOnlyList<AwsResourceOutput> Outputs => _outputs;

    protected AwsResourceOutput Output(string outputName)
    {
        var output = new AwsResourceOutput(this, outputName);
        _outputs.Add(output);
        return output;
    }
}
