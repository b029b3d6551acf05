namespace Platform.Aws.Tests;

/// <summary>The one-time bootstrap stack: who may assume the deploy role, and what it may do.</summary>
public sealed class GitHubOidcStackTests(DevStackFixture stack) : IClassFixture<DevStackFixture>
{
    [Fact]
    public void Only_the_repository_s_main_branch_and_stage_environments_may_assume_the_deploy_role()
    {
        var json = stack.App.Json("PlatformGitHubOidc");
        var role = json.Named("AWS::IAM::Role", "DeployRole").Properties;
        var trust = role["AssumeRolePolicyDocument"]!["Statement"]![0]!;
        Assert.Equal("sts:AssumeRoleWithWebIdentity", (string?)trust["Action"]);
        Assert.Equal("sts.amazonaws.com", (string?)trust["Condition"]!["StringEquals"]!["token.actions.githubusercontent.com:aud"]);
        Assert.Equal(
            ["repo:example-org/platform:environment:dev", "repo:example-org/platform:environment:prod", "repo:example-org/platform:ref:refs/heads/main"],
            trust["Condition"]!["StringLike"]!["token.actions.githubusercontent.com:sub"]!.AsArray().Select(s => (string)s!).Order(StringComparer.Ordinal));
        Assert.Empty(json.Resources("AWS::Lambda::Function"));
    }

    [Fact]
    public void The_deploy_role_pushes_images_and_assumes_the_cdk_roles_only()
    {
        var json = stack.App.Json("PlatformGitHubOidc");
        var actions = json.ActionsOf(json.Id("AWS::IAM::Role", "DeployRole"));
        Assert.Contains("ecr:PutImage", actions);
        Assert.Contains("sts:AssumeRole", actions);
        Assert.DoesNotContain(actions, a => a.StartsWith("iam:", StringComparison.Ordinal) || a.StartsWith("cloudformation:Create", StringComparison.Ordinal));
    }
}
