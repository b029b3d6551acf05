using Platform.AppHost.Aws;

namespace Platform.Aws.Tests;

/// <summary>The CDK context is validated once, and a wrong value stops synthesis naming the key.</summary>
public sealed class DeploymentSettingsTests
{
    private static readonly Dictionary<string, object> Defaults = new()
    {
        ["stage"] = "dev",
        ["region"] = "us-east-1",
        ["cloudFrontOriginPrefixListId"] = "pl-3b927c52",
        ["githubRepository"] = "example-org/platform",
    };

    private static AwsDeploymentSettings Settings(params (string Key, object? Value)[] changes)
    {
        var context = new Dictionary<string, object?>(Defaults!);
        foreach (var (key, value) in changes)
        {
            context[key] = value;
        }

        return AwsDeploymentSettings.FromContext(key => context.GetValueOrDefault(key));
    }

    [Fact]
    public void The_defaults_make_a_dev_stack_without_a_domain()
    {
        var settings = Settings();

        Assert.Equal(DeploymentStage.Dev, settings.Stage);
        Assert.Equal("Platform-dev", settings.StackName);
        Assert.False(settings.IsProduction);
        Assert.Null(settings.DomainName);
    }

    [Theory]
    [InlineData("stage", "qa", "'stage' is 'qa', but it must be dev or prod")]
    [InlineData("stage", null, "'stage' is missing")]
    [InlineData("region", "eu-west-1", "'region' is 'eu-west-1'")]
    [InlineData("region", "mars", "'region' is 'mars', which is not an AWS region name")]
    [InlineData("cloudFrontOriginPrefixListId", "sg-123", "'cloudFrontOriginPrefixListId' is 'sg-123'")]
    [InlineData("githubRepository", "platform", "'githubRepository' is 'platform', which is not owner/name")]
    [InlineData("certificateArn", "arn:aws:iam::123456789012:role/x", "'certificateArn'")]
    [InlineData("alarmEmail", "nobody", "'alarmEmail' is 'nobody'")]
    [InlineData("certificateArn", "arn:aws:acm:eu-west-1:123456789012:certificate/11111111-2222-3333-4444-555555555555", "'certificateArn' must be a certificate in us-east-1, the stack's region")]
    [InlineData("vpcOriginSecurityGroupId", "CloudFront-VPCOrigins-Service-SG", "'vpcOriginSecurityGroupId' is 'CloudFront-VPCOrigins-Service-SG', which is not a security group id (sg-…)")]
    [InlineData("githubOidcProviderArn", "arn:aws:iam::123456789012:oidc-provider/accounts.google.com", "'githubOidcProviderArn' is 'arn:aws:iam::123456789012:oidc-provider/accounts.google.com', which is not the ARN of an IAM OIDC provider for GitHub Actions")]
    [InlineData("githubOidcProviderArn", "token.actions.githubusercontent.com", "aws iam list-open-id-connect-providers")]
    [InlineData("githubOidcProviderArn", "arn:aws:iam::1234:oidc-provider/token.actions.githubusercontent.com", "'githubOidcProviderArn'")]
    public void A_wrong_value_is_refused_naming_the_key(string key, string? value, string message)
    {
        var error = Assert.Throws<InvalidOperationException>(() => Settings((key, value)));

        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_load_balancer_s_certificate_is_taken_from_the_stack_s_region()
    {
        Assert.Equal("arn:aws:acm:us-east-1:123456789012:certificate/abc", Settings(("certificateArn", "arn:aws:acm:us-east-1:123456789012:certificate/abc")).CertificateArn);
    }

    [Fact]
    public void Cloudfront_s_vpc_origin_security_group_is_optional_and_taken_by_its_id()
    {
        Assert.Null(Settings().VpcOriginSecurityGroupId);
        Assert.Equal("sg-0123456789abcdef0", Settings(("vpcOriginSecurityGroupId", "sg-0123456789abcdef0")).VpcOriginSecurityGroupId);
    }

    [Fact]
    public void The_repository_has_no_default_github_repository_the_deploy_roles_would_trust()
    {
        var cdkJson = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(Synthesis.RepositoryRoot, "cdk.json")))!;

        Assert.Null(cdkJson["context"]!["githubRepository"]);
    }

    [Fact]
    public void Without_a_github_repository_the_oidc_stack_does_not_synthesize_and_says_which_value_to_give()
    {
        var settings = Settings(("githubRepository", null));
        Assert.Null(settings.GitHubRepository);

        var error = Assert.Throws<InvalidOperationException>(() => new GitHubOidcStack(new Amazon.CDK.App(), settings));

        Assert.Contains("'githubRepository' is missing", error.Message, StringComparison.Ordinal);
        Assert.Contains("--Platform:Aws:Context:githubRepository=", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_existing_github_oidc_provider_is_taken_by_its_arn()
    {
        Assert.Null(Settings().GitHubOidcProviderArn);
        Assert.Equal(
            "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com",
            Settings(("githubOidcProviderArn", " arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com ")).GitHubOidcProviderArn);
    }

    [Fact]
    public void A_domain_needs_its_zone_and_a_us_east_1_certificate()
    {
        Assert.Contains("'domainName' needs", Assert.Throws<InvalidOperationException>(() => Settings(("domainName", "media.example.com"))).Message, StringComparison.Ordinal);
        var error = Assert.Throws<InvalidOperationException>(() => Settings(
            ("domainName", "media.example.com"), ("hostedZoneId", "Z0123456789ABCDEFGHIJ"), ("hostedZoneName", "example.com"),
            ("cloudFrontCertificateArn", "arn:aws:acm:eu-west-1:123456789012:certificate/abc")));
        Assert.Contains("must be a certificate in us-east-1", error.Message, StringComparison.Ordinal);
    }
}
