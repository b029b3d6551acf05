using System.Text.Json.Nodes;
using Platform.AppHost.Aws;

namespace Platform.Aws.Tests;

/// <summary>The one-time bootstrap stack: who may assume each stage's deploy role, and what it may do.</summary>
public sealed class GitHubOidcStackTests(DevStackFixture stack) : IClassFixture<DevStackFixture>
{
    private static JsonNode Trust(JsonObject json, string role) =>
        json.Named("AWS::IAM::Role", role).Properties["AssumeRolePolicyDocument"]!["Statement"]![0]!;

    [Theory]
    [InlineData("DevDeployRole", "dev")]
    [InlineData("ProdDeployRole", "prod")]
    public void Each_stage_s_deploy_role_trusts_only_that_github_environment_of_the_repository(string role, string environment)
    {
        var trust = Trust(stack.App.Json("PlatformGitHubOidc"), role);

        Assert.Equal("sts:AssumeRoleWithWebIdentity", (string?)trust["Action"]);
        var condition = Assert.Single(trust["Condition"]!.AsObject());
        Assert.Equal("StringEquals", condition.Key);
        Assert.Equal("sts.amazonaws.com", (string?)condition.Value!["token.actions.githubusercontent.com:aud"]);
        Assert.Equal($"repo:example-org/platform:environment:{environment}", (string?)condition.Value!["token.actions.githubusercontent.com:sub"]);
    }

    [Fact]
    public void The_stack_creates_github_s_oidc_provider_when_none_is_given()
    {
        var json = stack.App.Json("PlatformGitHubOidc");

        var provider = Assert.Single(json.Resources("AWS::IAM::OIDCProvider"));
        Assert.Equal("https://token.actions.githubusercontent.com", (string?)provider.Properties["Url"]);
        Assert.Contains(provider.Id, Trust(json, "ProdDeployRole")["Principal"]!["Federated"]!.ToJsonString(), StringComparison.Ordinal);
        Assert.Empty(json.Resources("AWS::Lambda::Function"));
    }

    [Fact]
    public void Only_the_dev_role_uploads_image_layers_the_prod_role_only_tags_existing_images()
    {
        var json = stack.App.Json("PlatformGitHubOidc");
        var dev = json.ActionsOf(json.Id("AWS::IAM::Role", "DevDeployRole"));
        var prod = json.ActionsOf(json.Id("AWS::IAM::Role", "ProdDeployRole"));

        Assert.Contains("ecr:UploadLayerPart", dev);
        Assert.DoesNotContain(prod, a => a is "ecr:InitiateLayerUpload" or "ecr:UploadLayerPart" or "ecr:CompleteLayerUpload");
        Assert.Contains("ecr:PutImage", prod);
        foreach (var actions in new[] { dev, prod })
        {
            Assert.Contains("sts:AssumeRole", actions);
            Assert.DoesNotContain(actions, a => a.StartsWith("iam:", StringComparison.Ordinal) || a.StartsWith("cloudformation:Create", StringComparison.Ordinal));
        }
    }

    [Theory]
    [InlineData("Platform-dev", "pfdev")]
    [InlineData("PlatformImages", "pfdev")] // deployed by the images job, with the dev role
    [InlineData("PlatformGitHubOidc", "pfprod")] // deployed by hand; never through a bootstrap the dev role can assume
    public void Each_stack_deploys_through_its_stage_s_own_cdk_bootstrap_never_the_account_s_default(string name, string qualifier)
    {
        var json = stack.App.Json(name);

        Assert.Equal($"/cdk-bootstrap/{qualifier}/version", (string?)json["Parameters"]!["BootstrapVersion"]!["Default"]);
        Assert.DoesNotContain("hnb659fds", json.ToJsonString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("DevDeployRole", "pfdev", "pfprod")]
    [InlineData("ProdDeployRole", "pfprod", "pfdev")]
    public void Each_github_role_may_assume_only_its_own_stage_s_bootstrap_roles(string role, string own, string other)
    {
        var json = stack.App.Json("PlatformGitHubOidc");
        var id = json.Id("AWS::IAM::Role", role);
        var policies = json.Resources("AWS::IAM::Policy")
            .Where(p => p.Properties["Roles"]!.AsArray().Any(r => (string?)r!["Ref"] == id))
            .Select(p => p.Properties["PolicyDocument"]!.ToJsonString())
            .ToList();

        Assert.NotEmpty(policies);
        Assert.Contains(policies, p => p.Contains($"role/cdk-{own}-*-", StringComparison.Ordinal));
        Assert.All(policies, p => Assert.DoesNotContain($"cdk-{other}-", p, StringComparison.Ordinal));
        Assert.All(policies, p => Assert.DoesNotContain("cdk-hnb659fds-", p, StringComparison.Ordinal));
    }

    [Fact]
    public void The_cloudformation_execution_policy_covers_every_service_the_stacks_use_and_is_not_administrator_access()
    {
        var policy = JsonNode.Parse(File.ReadAllText(Path.Combine(Synthesis.RepositoryRoot, "eng", "aws", "cloudformation-execution-policy.json")))!;
        var statements = policy["Statement"]!.AsArray().Select(s => s!.AsObject()).ToList();
        var allowed = statements.SelectMany(s => s.Actions()).ToHashSet(StringComparer.Ordinal);
        Assert.DoesNotContain("*", allowed);
        Assert.DoesNotContain("iam:*", allowed);
        // IAM only on the stacks' own roles, GitHub's provider, service-linked roles and the bootstrap's execution role
        // (passed to the rotation's nested stack): never on every resource.
        Assert.All(statements.Where(s => s.Actions().Any(a => a.StartsWith("iam:", StringComparison.Ordinal))), s =>
        {
            var resources = s["Resource"] is JsonArray list ? list.Select(r => (string)r!).ToList() : [(string)s["Resource"]!];
            Assert.All(resources, r => Assert.Matches(@"^arn:aws:iam::\*:(role/(Platform|platform-github-deploy-|aws-service-role/|cdk-pf\*-cfn-exec-role-\*$)|oidc-provider/token\.actions\.githubusercontent\.com$)", r));
        });

        // The IAM service prefix of each CloudFormation namespace the stacks use.
        var prefixes = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["ApplicationAutoScaling"] = "application-autoscaling",
            ["CertificateManager"] = "acm",
            ["CloudFront"] = "cloudfront",
            ["CloudTrail"] = "cloudtrail",
            ["CloudWatch"] = "cloudwatch",
            ["EC2"] = "ec2",
            ["ECR"] = "ecr",
            ["ECS"] = "ecs",
            ["ElastiCache"] = "elasticache",
            ["ElasticLoadBalancingV2"] = "elasticloadbalancing",
            ["KMS"] = "kms",
            ["Logs"] = "logs",
            ["RDS"] = "rds",
            ["Route53"] = "route53",
            ["S3"] = "s3",
            ["SecretsManager"] = "secretsmanager",
            ["ServiceDiscovery"] = "servicediscovery",
            ["SNS"] = "sns",
            ["SQS"] = "sqs",
            ["SSM"] = "ssm",
            ["WAFv2"] = "wafv2",
        };
        var types = stack.App.StackNames.SelectMany(name => stack.App.Json(name)["Resources"]!.AsObject().Select(r => (string)r.Value!["Type"]!))
            .Where(t => t.StartsWith("AWS::", StringComparison.Ordinal)).ToHashSet(StringComparer.Ordinal);
        foreach (var type in types)
        {
            var ns = type.Split("::")[1];
            if (ns == "IAM")
            {
                continue; // the IAM statements, scoped to the stacks' own roles and GitHub's provider (asserted above)
            }

            Assert.True(prefixes.TryGetValue(ns, out var prefix), $"{type}: add its IAM service to eng/aws/cloudformation-execution-policy.json and to this map");
            Assert.Contains($"{prefix}:*", allowed);
        }

        // A transform expands into resources the template never names; CloudFormation creates them with the execution
        // role too. AWS::SecretsManager-2020-07-23 turns a HostedRotationLambda into a nested stack (from the Serverless
        // Application Repository's rotation application) with a Lambda function, its permission and its IAM role.
        var transforms = new Dictionary<string, string[]>(StringComparer.Ordinal)
        {
            ["AWS::SecretsManager-2020-07-23"] =
            [
                "serverlessrepo:CreateCloudFormationTemplate", "serverlessrepo:GetCloudFormationTemplate", "serverlessrepo:GetApplication",
                "cloudformation:CreateStack", "cloudformation:UpdateStack", "cloudformation:DeleteStack", "cloudformation:DescribeStacks",
                "cloudformation:CreateChangeSet",
                "lambda:CreateFunction", "lambda:UpdateFunctionConfiguration", "lambda:DeleteFunction", "lambda:GetFunction",
                "lambda:AddPermission", "lambda:RemovePermission",
            ],
        };
        bool Allows(string action) => allowed.Contains(action) || allowed.Contains(action.Split(':')[0] + ":*");
        foreach (var name in stack.App.StackNames)
        {
            var transform = stack.App.Json(name)["Transform"];
            var used = transform switch { null => [], JsonArray list => list.Select(t => (string)t!).ToList(), _ => [(string)transform!] };
            foreach (var t in used)
            {
                Assert.True(transforms.TryGetValue(t, out var actions), $"{name} uses the transform {t}: add what it expands into to this table and to the policy");
                Assert.All(actions, a => Assert.True(Allows(a), $"{t} needs {a} (eng/aws/cloudformation-execution-policy.json)"));
            }
        }

        // Creating that nested stack, CloudFormation hands it the execution role it runs with (the stage bootstrap's
        // cdk-<qualifier>-cfn-exec-role-<account>-<region>): iam:PassRole on that role, to CloudFormation only.
        if (stack.App.StackNames.Any(name => stack.App.Json(name)["Transform"]?.ToJsonString().Contains("AWS::SecretsManager-2020-07-23", StringComparison.Ordinal) == true))
        {
            foreach (var stage in Enum.GetValues<DeploymentStage>())
            {
                var executionRole = $"arn:aws:iam::123456789012:role/cdk-{CdkBootstrap.Qualifier(stage)}-cfn-exec-role-123456789012-us-east-1";
                Assert.True(IamPolicy.Allows(policy, "iam:PassRole", executionRole, new Dictionary<string, string> { ["iam:PassedToService"] = "cloudformation.amazonaws.com" }),
                    $"the rotation's nested stack needs iam:PassRole on {executionRole} (iam:PassedToService cloudformation.amazonaws.com)");
                Assert.False(IamPolicy.Allows(policy, "iam:PassRole", executionRole, new Dictionary<string, string> { ["iam:PassedToService"] = "lambda.amazonaws.com" }),
                    $"{executionRole} may be passed to CloudFormation only");
            }
        }
    }
}

/// <summary>The prod stack deploys through prod's own CDK bootstrap.</summary>
public sealed class ProdBootstrapQualifierTests(ProdStackFixture stack) : IClassFixture<ProdStackFixture>
{
    [Fact]
    public void The_prod_stack_deploys_through_the_prod_cdk_bootstrap()
    {
        Assert.Equal("/cdk-bootstrap/pfprod/version", (string?)stack.Json["Parameters"]!["BootstrapVersion"]!["Default"]);
        Assert.DoesNotContain("hnb659fds", stack.Json.ToJsonString(), StringComparison.Ordinal);
    }
}

/// <summary>An account that already trusts GitHub: the stack imports its OIDC provider instead of creating a second one.</summary>
public sealed class ImportedGitHubOidcProviderFixture() : PlatformStackFixture(
    ("githubOidcProviderArn", "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"))
{
    public override string StackName => "PlatformGitHubOidc";
}

public sealed class ImportedGitHubOidcProviderTests(ImportedGitHubOidcProviderFixture stack) : IClassFixture<ImportedGitHubOidcProviderFixture>
{
    [Fact]
    public void With_an_existing_provider_arn_no_provider_is_created_and_both_roles_trust_that_provider()
    {
        Assert.Empty(stack.Json.Resources("AWS::IAM::OIDCProvider"));
        foreach (var role in new[] { "DevDeployRole", "ProdDeployRole" })
        {
            var trust = stack.Json.Named("AWS::IAM::Role", role).Properties["AssumeRolePolicyDocument"]!["Statement"]![0]!;
            Assert.Equal("arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com", (string?)trust["Principal"]!["Federated"]);
        }
    }
}
