namespace Platform.AppHost.Tests;

/// <summary>The AWS translation is publish-only: running the AppHost never touches the CDK.</summary>
public sealed class RunModeTests
{
    [Fact]
    public async Task Building_the_model_to_run_never_loads_the_cdk()
    {
        await using var builder = await AppModel.CreateAsync("processes");

        Assert.NotEmpty(builder.Resources);
        // Amazon.CDK.Lib starts a Node process (jsii) when first used; a run must not pay for it.
        Assert.DoesNotContain(AppDomain.CurrentDomain.GetAssemblies(), a => a.GetName().Name is "Amazon.CDK.Lib" or "Amazon.JSII.Runtime");
    }
}
