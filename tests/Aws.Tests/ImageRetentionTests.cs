using System.Text.Json.Nodes;
using Platform.AppHost.Aws;

namespace Platform.Aws.Tests;

/// <summary>
/// The image repositories' lifecycle policy, evaluated the way ECR evaluates it, against a repository's history: the
/// image a stage runs must never expire, however old it is (a task replaced later could not pull it:
/// CannotPullContainerError).
/// </summary>
public sealed class ImageRetentionTests(DevStackFixture stack) : IClassFixture<DevStackFixture>
{
    private static readonly DateTimeOffset Now = new(2030, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private IEnumerable<(string Repository, JsonNode Policy)> Policies() =>
        stack.App.Json("PlatformImages").Resources("AWS::ECR::Repository").Select(r =>
            ((string)r.Properties["RepositoryName"]!, JsonNode.Parse((string)r.Properties["LifecyclePolicy"]!["LifecyclePolicyText"]!)!));

    /// <summary>160 builds, one a day, tagged sha-&lt;n&gt;; the newest is the last.</summary>
    private static List<EcrLifecycle.Image> Builds(int count = 160) =>
        Enumerable.Range(0, count).Select(n => new EcrLifecycle.Image(Now.AddDays(n - count), [$"{ImagesStack.BuildTagPrefix}{n:x40}"])).ToList();

    [Theory]
    [InlineData("prod-current")]
    [InlineData("prod-deploying")]
    [InlineData("dev-current")]
    [InlineData("dev-deploying")]
    public void A_stage_s_image_150_pushes_old_is_not_expired(string stageTag)
    {
        Assert.NotEmpty(Policies());
        foreach (var (repository, policy) in Policies())
        {
            var images = Builds();
            var running = images[^151] with { Tags = [.. images[^151].Tags, stageTag] };
            images[^151] = running;

            var expired = EcrLifecycle.Expired(policy, images, Now);

            Assert.DoesNotContain(running, expired);
            // The policy does clear old builds: everything older than the last 100 except what a stage runs.
            Assert.Equal(images.Count - ImagesStack.KeptBuilds - 1, expired.Count);
            Assert.All(expired, image => Assert.True(image.PushedAt < images[^ImagesStack.KeptBuilds].PushedAt, repository));
        }
    }

    [Fact]
    public void Every_stage_tag_is_the_only_mutable_tag_and_is_shielded_by_its_own_rule()
    {
        foreach (var (_, properties) in stack.App.Json("PlatformImages").Resources("AWS::ECR::Repository"))
        {
            Assert.Equal("IMMUTABLE_WITH_EXCLUSION", (string?)properties["ImageTagMutability"]);
            Assert.Equal(ImagesStack.StageTags, properties["ImageTagMutabilityExclusionFilters"]!.AsArray()
                .Select(f => (string)f!["ImageTagMutabilityExclusionFilterValue"]!));
        }
    }

    [Fact]
    public void Untagged_images_expire_and_a_stage_image_still_survives_beside_them()
    {
        foreach (var (_, policy) in Policies())
        {
            var images = Builds(10);
            var untagged = new EcrLifecycle.Image(Now.AddDays(-30), []);
            images.Add(untagged);
            images[0] = images[0] with { Tags = [.. images[0].Tags, "prod-current"] };

            var expired = EcrLifecycle.Expired(policy, images, Now);

            Assert.Equal([untagged], expired);
        }
    }
}

/// <summary>
/// ECR's lifecycle policy evaluation, as the ECR user guide states it ("Lifecycle policy evaluation rules"): rules apply
/// in priority order (lowest first); a rule selects images by tag status and by tagPrefixList / tagPatternList (an image
/// matches when every listed prefix or pattern matches one of its tags); imageCountMoreThan keeps the newest N of the
/// selected images by push time, sinceImagePushed expires those older than N days; an image is expired by at most one
/// rule, and an image that matches the tagging requirements of a higher priority rule cannot be expired by a rule with
/// a lower priority (lower rules still count it). Written here because no library evaluates lifecycle policies offline.
/// </summary>
internal static class EcrLifecycle
{
    public sealed record Image(DateTimeOffset PushedAt, IReadOnlyList<string> Tags)
    {
        public bool Equals(Image? other) => other is not null && PushedAt == other.PushedAt && Tags.SequenceEqual(other.Tags);

        public override int GetHashCode() => PushedAt.GetHashCode();
    }

    public static List<Image> Expired(JsonNode policy, IReadOnlyList<Image> images, DateTimeOffset now)
    {
        var expired = new List<Image>();
        var claimed = new HashSet<Image>();
        foreach (var rule in policy["rules"]!.AsArray().OrderBy(r => (int)r!["rulePriority"]!))
        {
            var selection = rule!["selection"]!;
            var selected = images.Where(image => Selects(selection, image)).ToList();
            var count = (int)selection["countNumber"]!;
            var expiring = (string)selection["countType"]! switch
            {
                "imageCountMoreThan" => selected.OrderByDescending(i => i.PushedAt).Skip(count),
                "sinceImagePushed" => selected.Where(i => (now - i.PushedAt).TotalDays > count),
                var other => throw new NotSupportedException($"countType {other}"),
            };
            expired.AddRange(expiring.Where(i => !claimed.Contains(i) && !expired.Contains(i)));
            claimed.UnionWith(selected);
        }

        return expired;
    }

    private static bool Selects(JsonNode selection, Image image) => (string)selection["tagStatus"]! switch
    {
        "any" => true,
        "untagged" => image.Tags.Count == 0,
        "tagged" => image.Tags.Count > 0
            && (selection["tagPrefixList"]?.AsArray().All(p => image.Tags.Any(t => t.StartsWith((string)p!, StringComparison.Ordinal))) ?? true)
            && (selection["tagPatternList"]?.AsArray().All(p => image.Tags.Any(t => Matches((string)p!, t))) ?? true),
        var other => throw new NotSupportedException($"tagStatus {other}"),
    };

    private static bool Matches(string pattern, string tag) =>
        System.Text.RegularExpressions.Regex.IsMatch(tag, "^" + string.Join(".*", pattern.Split('*').Select(System.Text.RegularExpressions.Regex.Escape)) + "$");
}
