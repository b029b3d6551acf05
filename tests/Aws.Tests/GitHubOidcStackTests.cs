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

    [Fact]
    public void The_cloudformation_execution_policy_covers_every_service_the_stacks_use_and_is_not_administrator_access()
    {
        var policy = JsonNode.Parse(File.ReadAllText(Path.Combine(Synthesis.RepositoryRoot, "eng", "aws", "cloudformation-execution-policy.json")))!;
        var statements = policy["Statement"]!.AsArray().Select(s => s!.AsObject()).ToList();
        var allowed = statements.SelectMany(s => s.Actions()).ToHashSet(StringComparer.Ordinal);
        Assert.DoesNotContain("*", allowed);
        Assert.DoesNotContain("iam:*", allowed);
        // IAM only on the stacks' own roles, GitHub's provider and service-linked roles: never on every resource.
        Assert.All(statements.Where(s => s.Actions().Any(a => a.StartsWith("iam:", StringComparison.Ordinal))), s =>
        {
            var resources = s["Resource"] is JsonArray list ? list.Select(r => (string)r!).ToList() : [(string)s["Resource"]!];
            Assert.All(resources, r => Assert.Matches(@"^arn:aws:iam::\*:(role/(Platform|platform-github-deploy-|aws-service-role/)|oidc-provider/token\.actions\.githubusercontent\.com$)", r));
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
