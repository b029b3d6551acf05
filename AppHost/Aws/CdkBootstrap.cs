using Amazon.CDK;

namespace Platform.AppHost.Aws;

/// <summary>
/// The CDK bootstrap each stack deploys through: one qualifier per stage (<c>cdk bootstrap --qualifier pfdev</c> /
/// <c>pfprod</c>, eng/aws/one-time-setup.sh), never the account's default <c>hnb659fds</c>. So bootstrapping an account
/// with Platform's narrow execution policy leaves every other CDK app's bootstrap as it was, and the dev deploy role
/// (allowed to assume only <c>cdk-pfdev-*</c>) never gets the roles that deploy prod. The qualifier is written into the
/// templates (the <c>BootstrapVersion</c> parameter, the deploy roles in <c>manifest.json</c>), so the CDK CLI needs
/// no option or context to pick it.
/// </summary>
public static class CdkBootstrap
{
    /// <summary>The bootstrap qualifier of a stage (at most 10 alphanumerics, as CDK requires).</summary>
    public static string Qualifier(DeploymentStage stage) => stage switch
    {
        DeploymentStage.Dev => "pfdev",
        DeploymentStage.Prod => "pfprod",
        _ => throw new ArgumentOutOfRangeException(nameof(stage)),
    };

    public static IStackSynthesizer Synthesizer(DeploymentStage stage) =>
        new DefaultStackSynthesizer(new DefaultStackSynthesizerProps { Qualifier = Qualifier(stage) });
}
