using Amazon.CDK;
using Amazon.CDK.AWS.ECR;
using Constructs;

namespace Platform.AppHost.Aws;

/// <summary>
/// <c>PlatformImages</c>: one ECR repository per service of the model (<c>platform/{service}</c>), shared by every stage.
/// A commit's images are built and pushed once, tagged <c>sha-&lt;commit&gt;</c>; dev and then prod deploy them by digest
/// (each service's <see cref="DigestParameterName"/> parameter of the application stack), and each stage marks the digest
/// it runs with its stage tags. A stack of its own because images must be pushed after the repositories exist and before
/// the application stack's services start; the application stack finds the repositories by name, so neither template
/// depends on the other's deployment.
/// </summary>
/// <remarks>
/// Tags are immutable except the four stage tags (<see cref="StageTags"/>), which move from digest to digest: a build tag
/// never changes its image (what was tested is what runs), and a stage tag always names what the stage runs. The
/// lifecycle policy never expires an image that holds a stage tag: ECR expires an image by at most one rule, and "an
/// image that matches the tagging requirements of a higher priority rule cannot be expired by a rule with a lower
/// priority". Rules 1–4 each select the one image that holds their stage tag (a tag names one image in a repository, and
/// no other tag starts with a stage tag) and keep 1, so they expire nothing and shield that image from rules 5 and 6,
/// which clear untagged images and old build tags. A stage's running image is always its <c>-current</c> or, while a
/// deployment is under way or after one that failed, its <c>-deploying</c> image (eng/aws/release-images.sh).
/// </remarks>
public sealed class ImagesStack : Stack
{
    public const string Id = "PlatformImages";

    /// <summary>The prefix of the build tags: <c>sha-&lt;commit&gt;</c>, pushed once per commit and never moved.</summary>
    public const string BuildTagPrefix = "sha-";

    /// <summary>How many build-tagged images a repository keeps (besides those a stage runs).</summary>
    public const int KeptBuilds = 100;

    public static string RepositoryName(string service) => $"platform/{service}";

    /// <summary>The application stack's parameter with the digest (<c>sha256:…</c>) of a service's image.</summary>
    public static string DigestParameterName(string service) => $"{ServiceConfiguration.Sanitize(service)}ImageDigest";

    /// <summary>The tag of the digest a stage runs, moved after each successful deployment.</summary>
    public static string CurrentTag(DeploymentStage stage) => $"{stage.ToString().ToLowerInvariant()}-current";

    /// <summary>The tag of the digest a stage is being deployed with, moved before the deployment starts.</summary>
    public static string DeployingTag(DeploymentStage stage) => $"{stage.ToString().ToLowerInvariant()}-deploying";

    public static IReadOnlyList<string> StageTags { get; } =
        [.. Enum.GetValues<DeploymentStage>().OrderDescending().SelectMany(s => new[] { CurrentTag(s), DeployingTag(s) })];

    public ImagesStack(Construct scope, PublishedModel model, AwsDeploymentSettings settings)
        : base(scope, Id, new StackProps
        {
            Env = new Amazon.CDK.Environment { Region = settings.Region },
            // The images job deploys it with the dev role (only dev builds images), so through dev's bootstrap.
            Synthesizer = CdkBootstrap.Synthesizer(DeploymentStage.Dev),
            Description = "Platform: the ECR repositories of the service images.",
        })
    {
        foreach (var service in model.Services)
        {
            var id = ServiceConfiguration.Sanitize(service.Name);
            var rules = StageTags.Select((tag, i) => new LifecycleRule
            {
                Description = $"Never expire the image tagged {tag}",
                RulePriority = i + 1,
                TagStatus = TagStatus.TAGGED,
                TagPrefixList = [tag],
                MaxImageCount = 1,
            }).ToList();
            rules.Add(new LifecycleRule
            {
                Description = "Expire untagged images after 14 days",
                RulePriority = rules.Count + 1,
                TagStatus = TagStatus.UNTAGGED,
                MaxImageAge = Duration.Days(14),
            });
            rules.Add(new LifecycleRule
            {
                Description = $"Keep the last {KeptBuilds} builds no stage runs",
                RulePriority = rules.Count + 1,
                TagStatus = TagStatus.TAGGED,
                TagPrefixList = [BuildTagPrefix],
                MaxImageCount = KeptBuilds,
            });
            var repository = new Repository(this, id, new RepositoryProps
            {
                RepositoryName = RepositoryName(service.Name),
                ImageTagMutability = TagMutability.IMMUTABLE,
                ImageScanOnPush = true,
                Encryption = RepositoryEncryption.KMS,
                LifecycleRules = rules.ToArray(),
                RemovalPolicy = RemovalPolicy.RETAIN,
            });
            // Amazon.CDK.Lib 2.160 predates tag mutability exclusions; the resource specification has them.
            var cfn = (CfnRepository)repository.Node.DefaultChild!;
            cfn.AddPropertyOverride("ImageTagMutability", "IMMUTABLE_WITH_EXCLUSION");
            cfn.AddPropertyOverride("ImageTagMutabilityExclusionFilters", StageTags.Select(tag => new Dictionary<string, object>
            {
                ["ImageTagMutabilityExclusionFilterType"] = "WILDCARD",
                ["ImageTagMutabilityExclusionFilterValue"] = tag,
            }).ToArray());
            PolicySuppressions.Add(repository, new PolicySuppressions.Suppression("CT.ECR.PR.3",
                "Every tag is immutable except the four stage tags (dev-/prod-current, dev-/prod-deploying), which must move to name what each stage runs; the stages deploy by digest, never by tag."));
            new CfnOutput(this, $"{id}RepositoryUri", new CfnOutputProps { Value = repository.RepositoryUri, Description = $"The {service.Name} image repository." });
        }
    }
}
