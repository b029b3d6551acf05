namespace Aspire.Hosting;

/// <summary>A profile and region for the AWS SDK; see <see cref="AwsSdkConfigHosting.AddAwsSdkConfig"/>.</summary>
public interface IAwsSdkConfig
{
    string? Profile { get; }

    string Region { get; }

    /// <summary>The region as services receive it: the configured one locally, the stack's region when published.</summary>
    AwsRegionValue RegionValue { get; }
}

internal sealed class AwsSdkConfig(string? profile, string region, bool published) : IAwsSdkConfig
{
    public string? Profile { get; } = profile;

    public string Region { get; } = region;

    public AwsRegionValue RegionValue => new(published ? null : Region);
}
