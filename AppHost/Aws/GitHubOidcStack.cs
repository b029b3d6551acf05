using Amazon.CDK;
using Amazon.CDK.AWS.IAM;
using Constructs;
using static Platform.AppHost.Aws.PolicySuppressions;

namespace Platform.AppHost.Aws;

/// <summary>
/// <c>PlatformGitHubOidc</c>, deployed once per account by hand (docs/aws.md, "One-time setup"): GitHub's OIDC provider (or
/// the account's existing one, <see cref="AwsDeploymentSettings.GitHubOidcProviderArn"/>) and one deploy role per stage.
/// Each role trusts exactly one GitHub environment of <c>githubRepository</c> (<c>dev</c> or <c>prod</c>), so only a job
/// that passed that environment's protection rules gets its credentials. The dev role builds and pushes images; the prod
/// role cannot upload a layer: it only adds its stage tags to images dev already runs (build once, promote by digest).
/// Each assumes only its own stage's CDK bootstrap roles (<see cref="CdkBootstrap.Qualifier"/>), which do the deployment.
/// </summary>
public sealed class GitHubOidcStack : Stack
{
    public const string Id = "PlatformGitHubOidc";

    public const string TokenHost = "token.actions.githubusercontent.com";

    /// <summary>How long a deploy job's credentials may last: the workflows' role-duration-seconds (10800) is no more.</summary>
    public const int MaxSessionHours = 3;

    /// <summary>The deploy role of a stage: <c>platform-github-deploy-dev</c>, <c>platform-github-deploy-prod</c>.</summary>
    public static string RoleName(DeploymentStage stage) => $"platform-github-deploy-{stage.ToString().ToLowerInvariant()}";

    public GitHubOidcStack(Construct scope, AwsDeploymentSettings settings)
        : base(scope, Id, new StackProps
        {
            Env = new Amazon.CDK.Environment { Region = settings.Region },
            // An administrator deploys it by hand; through prod's bootstrap, whose deploy role the dev GitHub role can
            // never assume, since this stack decides what each GitHub role may do (the prod one included).
            Synthesizer = CdkBootstrap.Synthesizer(DeploymentStage.Prod),
            Description = "Platform: GitHub Actions OIDC provider and the deploy role of each stage.",
        })
    {
        // No default: a default repository would make the roles trust whoever owns that name on GitHub.
        var repository = settings.GitHubRepository ?? throw new InvalidOperationException(
            "The CDK context value 'githubRepository' is missing: the deploy roles trust the GitHub environments of exactly this repository (owner/name), " +
            "and there is no default (-c githubRepository=owner/name with the CDK CLI, --Platform:Aws:Context:githubRepository=owner/name with the AppHost; " +
            "the deploy workflow passes $GITHUB_REPOSITORY).");
        var providerArn = settings.GitHubOidcProviderArn ?? CreateProvider();
        foreach (var stage in Enum.GetValues<DeploymentStage>())
        {
            var role = CreateRole(stage, providerArn, repository);
            new CfnOutput(this, $"{stage}DeployRoleArn", new CfnOutputProps
            {
                Value = role.RoleArn,
                Description = $"AWS_DEPLOY_ROLE_ARN of the GitHub environment '{stage.ToString().ToLowerInvariant()}'.",
            });
        }
    }

    private string CreateProvider()
    {
        // The L1 provider, not the L2 OpenIdConnectProvider: that one is a Lambda-backed custom resource, i.e. an asset
        // that would make synthesis produce code to upload.
        var provider = new CfnOIDCProvider(this, "GitHub", new CfnOIDCProviderProps
        {
            Url = $"https://{TokenHost}",
            ClientIdList = ["sts.amazonaws.com"],
            ThumbprintList = ["6938fd4d98bab03faadb97b34396831e3780aea1", "1c58a3a8518e8759bf075b76b750d4f2df264fcd"],
        });
        return provider.AttrArn;
    }

    private Role CreateRole(DeploymentStage stage, string providerArn, string repository)
    {
        var name = stage.ToString().ToLowerInvariant();
        var role = new Role(this, $"{stage}DeployRole", new RoleProps
        {
            RoleName = RoleName(stage),
            Description = stage == DeploymentStage.Dev
                ? "Assumed by the deploy workflow's dev jobs: builds and pushes service images, deploys Platform-dev through the CDK bootstrap roles."
                : "Assumed by the deploy workflow's prod job: tags the images dev runs, deploys Platform-prod through the CDK bootstrap roles.",
            // A first prod create takes 45–70 minutes; the workflows ask for the same 3 hours (role-duration-seconds), so
            // credentials never expire while CloudFormation works or rolls back.
            MaxSessionDuration = Duration.Hours(MaxSessionHours),
            // StringEquals, not StringLike: the subject is exactly this repository's GitHub environment, which the job
            // reaches only through the environment's protection rules (required reviewers, the main branch).
            AssumedBy = new FederatedPrincipal(providerArn, new Dictionary<string, object>
            {
                ["StringEquals"] = new Dictionary<string, object>
                {
                    [$"{TokenHost}:aud"] = "sts.amazonaws.com",
                    [$"{TokenHost}:sub"] = $"repo:{repository}:environment:{name}",
                },
            }, "sts:AssumeRoleWithWebIdentity"),
        });
        role.AddToPolicy(new PolicyStatement(new PolicyStatementProps
        {
            Sid = "AssumeCdkBootstrapRoles",
            Actions = ["sts:AssumeRole"],
            Resources = [$"arn:{Amazon.CDK.Aws.PARTITION}:iam::{Amazon.CDK.Aws.ACCOUNT_ID}:role/cdk-{CdkBootstrap.Qualifier(stage)}-*-{Amazon.CDK.Aws.ACCOUNT_ID}-{Region}"],
        }));
        role.AddToPolicy(new PolicyStatement(new PolicyStatementProps
        {
            Sid = "LogInToEcr",
            Actions = ["ecr:GetAuthorizationToken"],
            Resources = ["*"],
        }));
        // Tagging an image is PutImage with the manifest of an image already in the repository (BatchGetImage reads it);
        // only the dev role may upload layers, i.e. bring new image content.
        string[] tagImages = ["ecr:DescribeImages", "ecr:BatchGetImage", "ecr:PutImage"];
        string[] uploadLayers = ["ecr:BatchCheckLayerAvailability", "ecr:InitiateLayerUpload", "ecr:UploadLayerPart", "ecr:CompleteLayerUpload"];
        role.AddToPolicy(new PolicyStatement(new PolicyStatementProps
        {
            Sid = stage == DeploymentStage.Dev ? "PushAndTagServiceImages" : "TagServiceImages",
            Actions = stage == DeploymentStage.Dev ? [.. uploadLayers, .. tagImages] : tagImages,
            Resources = [$"arn:{Amazon.CDK.Aws.PARTITION}:ecr:{Region}:{Amazon.CDK.Aws.ACCOUNT_ID}:repository/{ImagesStack.RepositoryName("*")}"],
        }));
        role.AddToPolicy(new PolicyStatement(new PolicyStatementProps
        {
            Sid = "ReadStackOutputs",
            Actions = ["cloudformation:DescribeStacks"],
            Resources = [$"arn:{Amazon.CDK.Aws.PARTITION}:cloudformation:{Region}:{Amazon.CDK.Aws.ACCOUNT_ID}:stack/Platform-*/*"],
        }));
        // After a deploy the workflow checks that the alarm topic's subscriptions are confirmed (a PendingConfirmation
        // e-mail pages nobody); the topic's name is CloudFormation's, Platform-<stage>-Alarms<hash>-<suffix>.
        role.AddToPolicy(new PolicyStatement(new PolicyStatementProps
        {
            Sid = "CheckAlarmSubscriptions",
            Actions = ["sns:ListSubscriptionsByTopic"],
            Resources = [$"arn:{Amazon.CDK.Aws.PARTITION}:sns:{Region}:{Amazon.CDK.Aws.ACCOUNT_ID}:Platform-{name}-Alarms*"],
        }));
        Add(role, new Suppression("AwsSolutions-IAM5",
            "Resource patterns only, no action wildcards: the stage's CDK bootstrap roles (cdk-pfdev-* or cdk-pfprod-*), the platform/* repositories, the Platform-* stacks, the stage's alarm topic; ecr:GetAuthorizationToken has no resource-level permission."));
        return role;
    }
}
