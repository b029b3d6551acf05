using Amazon.CDK;
using Amazon.CDK.AWS.IAM;
using Constructs;
using static Platform.AppHost.Aws.PolicySuppressions;

namespace Platform.AppHost.Aws;

/// <summary>
/// <c>PlatformGitHubOidc</c>, deployed once per account by hand (README, "Bootstrap"): GitHub's OIDC provider and the role
/// the deploy workflow assumes. The role may push images to the platform's repositories and assume the CDK bootstrap
/// roles (which do the deployment); nothing else. Only workflows of <c>githubRepository</c> on main, or in a GitHub
/// environment named after a stage, can assume it.
/// </summary>
public sealed class GitHubOidcStack : Stack
{
    public const string Id = "PlatformGitHubOidc";
    public const string RoleName = "platform-github-deploy";

    public GitHubOidcStack(Construct scope, AwsDeploymentSettings settings)
        : base(scope, Id, new StackProps
        {
            Env = new Amazon.CDK.Environment { Region = settings.Region },
            Description = "Platform: GitHub Actions OIDC provider and deploy role.",
        })
    {
        // The L1 provider, not the L2 OpenIdConnectProvider: that one is a Lambda-backed custom resource, i.e. an asset
        // that would make synthesis produce code to upload.
        var provider = new CfnOIDCProvider(this, "GitHub", new CfnOIDCProviderProps
        {
            Url = "https://token.actions.githubusercontent.com",
            ClientIdList = ["sts.amazonaws.com"],
            ThumbprintList = ["6938fd4d98bab03faadb97b34396831e3780aea1", "1c58a3a8518e8759bf075b76b750d4f2df264fcd"],
        });
        var role = new Role(this, "DeployRole", new RoleProps
        {
            RoleName = RoleName,
            Description = "Assumed by the deploy workflow: pushes service images, then deploys through the CDK bootstrap roles.",
            MaxSessionDuration = Duration.Hours(1),
            AssumedBy = new FederatedPrincipal(provider.AttrArn, new Dictionary<string, object>
            {
                ["StringEquals"] = new Dictionary<string, object> { ["token.actions.githubusercontent.com:aud"] = "sts.amazonaws.com" },
                ["StringLike"] = new Dictionary<string, object>
                {
                    ["token.actions.githubusercontent.com:sub"] = new[]
                    {
                        $"repo:{settings.GitHubRepository}:ref:refs/heads/main",
                        $"repo:{settings.GitHubRepository}:environment:dev",
                        $"repo:{settings.GitHubRepository}:environment:prod",
                    },
                },
            }, "sts:AssumeRoleWithWebIdentity"),
        });
        role.AddToPolicy(new PolicyStatement(new PolicyStatementProps
        {
            Sid = "AssumeCdkBootstrapRoles",
            Actions = ["sts:AssumeRole"],
            Resources = [$"arn:{Amazon.CDK.Aws.PARTITION}:iam::{Amazon.CDK.Aws.ACCOUNT_ID}:role/cdk-hnb659fds-*-{Amazon.CDK.Aws.ACCOUNT_ID}-{Region}"],
        }));
        role.AddToPolicy(new PolicyStatement(new PolicyStatementProps
        {
            Sid = "LogInToEcr",
            Actions = ["ecr:GetAuthorizationToken"],
            Resources = ["*"],
        }));
        role.AddToPolicy(new PolicyStatement(new PolicyStatementProps
        {
            Sid = "PushServiceImages",
            Actions =
            [
                "ecr:BatchCheckLayerAvailability", "ecr:InitiateLayerUpload", "ecr:UploadLayerPart", "ecr:CompleteLayerUpload",
                "ecr:PutImage", "ecr:BatchGetImage", "ecr:DescribeImages",
            ],
            Resources = [$"arn:{Amazon.CDK.Aws.PARTITION}:ecr:{Region}:{Amazon.CDK.Aws.ACCOUNT_ID}:repository/{ImagesStack.RepositoryName("*")}"],
        }));
        role.AddToPolicy(new PolicyStatement(new PolicyStatementProps
        {
            Sid = "ReadStackOutputs",
            Actions = ["cloudformation:DescribeStacks"],
            Resources = [$"arn:{Amazon.CDK.Aws.PARTITION}:cloudformation:{Region}:{Amazon.CDK.Aws.ACCOUNT_ID}:stack/Platform-*/*"],
        }));
        Add(role, new Suppression("AwsSolutions-IAM5",
            "Resource patterns only, no action wildcards: the CDK bootstrap roles (cdk-hnb659fds-*), the platform/* repositories, the Platform-* stacks; ecr:GetAuthorizationToken has no resource-level permission."));
        new CfnOutput(this, "DeployRoleArn", new CfnOutputProps { Value = role.RoleArn, Description = "AWS_DEPLOY_ROLE_ARN for the deploy workflow." });
    }
}
