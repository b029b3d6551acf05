using System.Text.Json.Nodes;

namespace Platform.Aws.Tests;

/// <summary>
/// HSTS comes from the edge: the site is HTTPS only at CloudFront (plain HTTP behind it, where the app's UseHsts stays
/// silent), so every behavior, pages, static files and thumbnails alike, adds it, a year long, without pinning the
/// domain's other hosts; and nosniff with it. The same in every stage (the derived classes).
/// </summary>
public abstract class EdgeResponseHeadersTests(PlatformStackFixture stack)
{
    private JsonObject Json => stack.Json;

    [Fact]
    public void Every_answer_through_cloudfront_carries_hsts_for_a_year_and_nosniff()
    {
        var distribution = Json.Single("AWS::CloudFront::Distribution")["DistributionConfig"]!;
        var behaviors = distribution["CacheBehaviors"]!.AsArray().Select(b => b!.AsObject()).Prepend(distribution["DefaultCacheBehavior"]!.AsObject()).ToList();
        var policy = Json.Id("AWS::CloudFront::ResponseHeadersPolicy", "EdgeResponseHeaders");
        Assert.All(behaviors, b => Assert.Equal(policy, (string?)b["ResponseHeadersPolicyId"]?["Ref"]));

        var headers = Json["Resources"]![policy]!["Properties"]!["ResponseHeadersPolicyConfig"]!["SecurityHeadersConfig"]!;
        var hsts = headers["StrictTransportSecurity"]!;
        Assert.Equal(365 * 24 * 3600, (int)hsts["AccessControlMaxAgeSec"]!);
        Assert.False((bool?)hsts["IncludeSubdomains"] ?? false);
        Assert.True((bool)hsts["Override"]!);
        Assert.True((bool)headers["ContentTypeOptions"]!["Override"]!);
    }
}

public sealed class DevEdgeResponseHeadersTests(DevStackFixture stack) : EdgeResponseHeadersTests(stack), IClassFixture<DevStackFixture>;

public sealed class ProdEdgeResponseHeadersTests(ProdStackFixture stack) : EdgeResponseHeadersTests(stack), IClassFixture<ProdStackFixture>;
