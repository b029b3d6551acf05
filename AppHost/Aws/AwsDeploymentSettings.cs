using System.Globalization;
using System.Text.RegularExpressions;

namespace Platform.AppHost.Aws;

/// <summary>The deployment stage: what differs between a cheap, destroyable dev stack and production.</summary>
public enum DeploymentStage
{
    /// <summary>Single-AZ database, one NAT gateway, one task per service, short retention, everything destroyable.</summary>
    Dev,

    /// <summary>Multi-AZ database and cache, a NAT gateway per AZ, two tasks or more, deletion protection, long retention.</summary>
    Prod,
}

/// <summary>
/// What the CDK translation reads from the CDK context (<c>cdk.json</c>, <c>cdk.context.json</c>, <c>-c key=value</c>, or
/// the AppHost's <c>Platform:Aws:Context:key</c>), validated once so a wrong value stops synthesis naming the key.
/// </summary>
public sealed partial record AwsDeploymentSettings
{
    public required DeploymentStage Stage { get; init; }

    public required string Region { get; init; }

    /// <summary>A regional ACM certificate for the load balancer's HTTPS listener; without it the listener is HTTP only.</summary>
    public string? CertificateArn { get; init; }

    /// <summary>The public host name (e.g. <c>media.example.com</c>); needs a hosted zone and a us-east-1 certificate.</summary>
    public string? DomainName { get; init; }

    public string? HostedZoneId { get; init; }

    public string? HostedZoneName { get; init; }

    /// <summary>An ACM certificate in us-east-1 for <see cref="DomainName"/> on CloudFront.</summary>
    public string? CloudFrontCertificateArn { get; init; }

    /// <summary>The managed prefix list of CloudFront's origin-facing addresses in <see cref="Region"/>.</summary>
    public required string CloudFrontOriginPrefixListId { get; init; }

    /// <summary>Where alarm notifications go (an e-mail subscription to the alarm topic); required in prod.</summary>
    public string? AlarmEmail { get; init; }

    /// <summary>
    /// The GitHub repository (<c>owner/name</c>) whose workflows may assume the deploy role. No default: the
    /// <c>PlatformGitHubOidc</c> stack refuses to synthesize without it.
    /// </summary>
    public string? GitHubRepository { get; init; }

    /// <summary>
    /// The security group CloudFront gives its VPC origin's network interfaces (<c>CloudFront-VPCOrigins-Service-SG</c>,
    /// created with the VPC origin on the first deploy), by id: when set, the load balancer also admits that group on
    /// the listener port, beside CloudFront's origin-facing prefix list.
    /// </summary>
    public string? VpcOriginSecurityGroupId { get; init; }

    /// <summary>
    /// The account's existing IAM OIDC provider for token.actions.githubusercontent.com (<c>aws iam
    /// list-open-id-connect-providers</c>). IAM allows one provider per URL and account, so an account that already trusts
    /// GitHub must import it; without it, <c>PlatformGitHubOidc</c> creates the provider.
    /// </summary>
    public string? GitHubOidcProviderArn { get; init; }

    /// <summary>
    /// The generations of the CloudFront key pair that signs media URLs, all in the distribution's key group
    /// (<c>edgeSigningKeys</c>, comma-separated, default <c>1</c>): each generation is a public key resource of its own,
    /// so a new key is always a new resource, never an update CloudFront refuses. At most two: more means a rotation
    /// was never finished (docs/aws.md, "CloudFront signing keys").
    /// </summary>
    public IReadOnlyList<int> EdgeSigningKeys { get; init; } = [1];

    /// <summary>The generation the Api signs with (<c>edgeSigningActiveKey</c>, default the last of <see cref="EdgeSigningKeys"/>).</summary>
    public int EdgeSigningActiveKey { get; init; } = 1;

    /// <summary>At most this many generations at once: the one signing and the one before or after it.</summary>
    public const int MaxEdgeSigningKeys = 2;

    public bool IsProduction => Stage == DeploymentStage.Prod;

    public string StageName => Stage.ToString().ToLowerInvariant();

    /// <summary>The application stack: <c>Platform-dev</c>, <c>Platform-prod</c>.</summary>
    public string StackName => $"Platform-{StageName}";

    public static AwsDeploymentSettings FromContext(Func<string, object?> context)
    {
        string? Value(string key) => context(key) switch
        {
            null => null,
            string s when string.IsNullOrWhiteSpace(s) => null,
            string s => s.Trim(),
            var other => Convert.ToString(other, CultureInfo.InvariantCulture),
        };

        string Required(string key) => Value(key)
            ?? throw new InvalidOperationException($"The CDK context value '{key}' is missing (cdk.json sets the defaults).");

        string Checked(string key, string value, Regex pattern, string what) => pattern.IsMatch(value)
            ? value
            : throw new InvalidOperationException($"The CDK context value '{key}' is '{value}', which is not {what}.");

        string? Optional(string key, Regex pattern, string what) => Value(key) is { } v ? Checked(key, v, pattern, what) : null;

        var stage = Required("stage") switch
        {
            "dev" => DeploymentStage.Dev,
            "prod" => DeploymentStage.Prod,
            var other => throw new InvalidOperationException($"The CDK context value 'stage' is '{other}', but it must be dev or prod."),
        };

        var (edgeSigningKeys, edgeSigningActiveKey) = EdgeSigningGenerations(Value("edgeSigningKeys"), Value("edgeSigningActiveKey"));
        var settings = new AwsDeploymentSettings
        {
            EdgeSigningKeys = edgeSigningKeys,
            EdgeSigningActiveKey = edgeSigningActiveKey,
            Stage = stage,
            Region = Checked("region", Required("region"), RegionPattern(), "an AWS region name like us-east-1"),
            CertificateArn = Optional("certificateArn", CertificateArnPattern(), "an ACM certificate ARN"),
            DomainName = Optional("domainName", DomainPattern(), "a DNS name"),
            HostedZoneId = Optional("hostedZoneId", HostedZoneIdPattern(), "a Route 53 hosted zone id"),
            HostedZoneName = Optional("hostedZoneName", DomainPattern(), "a DNS name"),
            CloudFrontCertificateArn = Optional("cloudFrontCertificateArn", CertificateArnPattern(), "an ACM certificate ARN"),
            CloudFrontOriginPrefixListId = Checked("cloudFrontOriginPrefixListId", Required("cloudFrontOriginPrefixListId"), PrefixListPattern(), "a prefix list id (pl-…)"),
            AlarmEmail = Optional("alarmEmail", EmailPattern(), "an e-mail address"),
            GitHubRepository = Optional("githubRepository", RepositoryPattern(), "owner/name"),
            VpcOriginSecurityGroupId = Optional("vpcOriginSecurityGroupId", SecurityGroupIdPattern(), "a security group id (sg-…)"),
            GitHubOidcProviderArn = Optional("githubOidcProviderArn", GitHubOidcProviderArnPattern(),
                "the ARN of an IAM OIDC provider for GitHub Actions (arn:aws:iam::<account>:oidc-provider/token.actions.githubusercontent.com; aws iam list-open-id-connect-providers)"),
        };

        if (settings.Region != "us-east-1")
        {
            // CloudFront's web ACL (and its certificate) must live in us-east-1. Another region needs an edge stack there
            // with cross-region references (docs/aws.md, "From the model to the stack").
            throw new InvalidOperationException(
                $"The CDK context value 'region' is '{settings.Region}': this stack puts the CloudFront WAF web ACL beside the application, which AWS allows only in us-east-1.");
        }

        if (settings.IsProduction && settings.AlarmEmail is null)
        {
            // An alarm nobody receives is no alarm: production pages someone or does not synthesize.
            throw new InvalidOperationException(
                "The CDK context value 'alarmEmail' is missing: prod needs an address subscribed to the alarm topic so an outage pages someone " +
                "(-c alarmEmail=oncall@example.com with the CDK CLI, --Platform:Aws:Context:alarmEmail=… with the AppHost, the ALARM_EMAIL variable in the deploy workflow).");
        }

        if (settings.DomainName is not null && (settings.HostedZoneId is null || settings.HostedZoneName is null || settings.CloudFrontCertificateArn is null))
        {
            throw new InvalidOperationException("The CDK context value 'domainName' needs 'hostedZoneId', 'hostedZoneName' and 'cloudFrontCertificateArn' too.");
        }

        if (settings.CertificateArn is { } lb && !lb.StartsWith($"arn:aws:acm:{settings.Region}:", StringComparison.Ordinal))
        {
            // The load balancer's listener takes only a certificate of its own region: another region's would fail the
            // listener's creation and roll the whole stack back.
            throw new InvalidOperationException(
                $"The CDK context value 'certificateArn' must be a certificate in {settings.Region}, the stack's region (the load balancer's listener takes only " +
                $"a certificate of its own region); it is '{lb}'. Request or import one there: aws acm request-certificate --region {settings.Region}.");
        }

        if (settings.CloudFrontCertificateArn is { } cf && !cf.StartsWith("arn:aws:acm:us-east-1:", StringComparison.Ordinal))
        {
            throw new InvalidOperationException("The CDK context value 'cloudFrontCertificateArn' must be a certificate in us-east-1 (CloudFront's rule).");
        }

        return settings;
    }

    private static (IReadOnlyList<int> Keys, int Active) EdgeSigningGenerations(string? keys, string? active)
    {
        static int Generation(string key, string text) =>
            int.TryParse(text.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0
                ? n
                : throw new InvalidOperationException($"The CDK context value '{key}' has '{text.Trim()}', which is not a positive whole number (a key generation: 1, 2, …).");

        var generations = (keys ?? "1").Split(',').Select(k => Generation("edgeSigningKeys", k)).ToList();
        if (generations.Distinct().Count() != generations.Count)
        {
            throw new InvalidOperationException($"The CDK context value 'edgeSigningKeys' is '{keys}', which names a generation twice.");
        }

        if (generations.Count > MaxEdgeSigningKeys)
        {
            throw new InvalidOperationException(
                $"The CDK context value 'edgeSigningKeys' is '{keys}': at most {MaxEdgeSigningKeys} signing key generations (the active one and the one before or after it); " +
                "more means a rotation was never finished: drop the retired generation once its URLs have expired.");
        }

        var activeKey = active is null ? generations[^1] : Generation("edgeSigningActiveKey", active);
        if (!generations.Contains(activeKey))
        {
            throw new InvalidOperationException(
                $"The CDK context value 'edgeSigningActiveKey' is {activeKey}, which is not one of 'edgeSigningKeys' ({string.Join(',', generations)}): CloudFront would refuse every URL it signs.");
        }

        return (generations, activeKey);
    }

    [GeneratedRegex(@"^[a-z]{2}(-gov)?-[a-z]+-\d$")]
    private static partial Regex RegionPattern();

    [GeneratedRegex(@"^arn:aws:acm:[a-z0-9-]+:\d{12}:certificate/[A-Za-z0-9-]+$")]
    private static partial Regex CertificateArnPattern();

    [GeneratedRegex(@"^([a-z0-9]([a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,}$")]
    private static partial Regex DomainPattern();

    [GeneratedRegex(@"^Z[A-Z0-9]{4,31}$")]
    private static partial Regex HostedZoneIdPattern();

    [GeneratedRegex(@"^pl-[a-f0-9]{8,17}$")]
    private static partial Regex PrefixListPattern();

    [GeneratedRegex(@"^[^@\s]+@[^@\s]+\.[^@\s]+$")]
    private static partial Regex EmailPattern();

    [GeneratedRegex(@"^sg-[0-9a-f]{8}([0-9a-f]{9})?$")]
    private static partial Regex SecurityGroupIdPattern();

    [GeneratedRegex(@"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")]
    private static partial Regex RepositoryPattern();

    [GeneratedRegex(@"^arn:aws(-[a-z]+)*:iam::\d{12}:oidc-provider/token\.actions\.githubusercontent\.com$")]
    private static partial Regex GitHubOidcProviderArnPattern();
}
