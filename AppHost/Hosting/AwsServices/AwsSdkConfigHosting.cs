using System.Runtime.CompilerServices;
using Aspire.Hosting.ApplicationModel;

namespace Aspire.Hosting;

/// <summary>
/// The AWS SDK settings services use against real AWS, in the shape of Aspire.Hosting.AWS's <c>AddAWSSDKConfig</c>
/// (kept to that shape so a move to the integration is a rename): a profile and a region. Referencing it gives a service <c>AWS:Region</c> (and
/// <c>AWS_PROFILE</c> when a profile is set). In the published stack the region is the stack's own.
/// </summary>
public static class AwsSdkConfigHosting
{
    public const string ProfileKey = "Platform:Aws:Profile";
    public const string RegionKey = "Platform:Aws:Region";
    public const string DefaultRegion = "us-east-1";

    private static readonly ConditionalWeakTable<IDistributedApplicationBuilder, AwsSdkConfig> Configs = new();

    /// <summary>
    /// The builder's AWS SDK settings: <c>Platform:Aws:Profile</c> and <c>Platform:Aws:Region</c> (else <c>AWS_REGION</c>,
    /// else us-east-1). Credentials are never part of it: they come from the profile or the SDK's default chain.
    /// </summary>
    public static IAwsSdkConfig AddAwsSdkConfig(this IDistributedApplicationBuilder builder) =>
        Configs.GetValue(builder, b =>
        {
            var profile = b.Configuration[ProfileKey];
            var region = b.Configuration[RegionKey] is { Length: > 0 } r ? r
                : Environment.GetEnvironmentVariable("AWS_REGION") is { Length: > 0 } env ? env
                : DefaultRegion;
            return new AwsSdkConfig(string.IsNullOrWhiteSpace(profile) ? null : profile.Trim(), region.Trim(), b.ExecutionContext.IsPublishMode);
        });

    /// <summary>Gives a service the AWS SDK settings: <c>AWS__Region</c> and, with a profile, <c>AWS_PROFILE</c>.</summary>
    public static IResourceBuilder<T> WithReference<T>(this IResourceBuilder<T> service, IAwsSdkConfig config)
        where T : IResourceWithEnvironment =>
        service.WithEnvironment(context =>
        {
            context.EnvironmentVariables["AWS__Region"] = config.RegionValue;
            if (config.Profile is { } profile)
            {
                context.EnvironmentVariables["AWS_PROFILE"] = profile;
            }
        });
}
