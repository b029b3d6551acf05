using System.ComponentModel.DataAnnotations;
using System.Web;
using Amazon;
using Amazon.Runtime;
using Amazon.S3;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Platform.Api.Features.Media;
using Platform.ServiceDefaults.Resilience;

namespace Platform.Api.Tests.Media;

/// <summary>
/// What S3 itself enforces on an upload URL: the length of the body is one of the headers the URL's SigV4 signature
/// covers (<c>X-Amz-SignedHeaders</c>), so S3 answers 403 to a body of any other length and a URL can store at most what
/// was declared. Signed by the AWS SDK against a real AWS endpoint (presigning is local: nothing is sent).
/// </summary>
public sealed class UploadUrlSigningTests
{
    private static readonly DateTimeOffset ExpiresAt = DateTimeOffset.UtcNow.AddMinutes(15);

    private static MediaStorage Storage() => new(
        new AmazonS3Client(new BasicAWSCredentials("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
            new AmazonS3Config { RegionEndpoint = RegionEndpoint.EUWest1 }),
        Options.Create(new S3BucketSettings { BucketName = "media-bucket" }),
        new DependencyGuard("storage", new DependencyGuardOptions(), NullLoggerFactory.Instance));

    private static string[] SignedHeaders(string url) =>
        HttpUtility.ParseQueryString(new Uri(url).Query)["X-Amz-SignedHeaders"]!.Split(';');

    [Fact]
    public async Task A_single_put_url_signs_the_declared_length_and_type()
    {
        var url = await Storage().PresignUploadAsync("uploads/owner/item", "image/png", 1000, ExpiresAt);

        Assert.Equal(["content-length", "content-type", "host"], SignedHeaders(url));
    }

    [Fact]
    public async Task A_part_url_signs_the_length_of_its_part()
    {
        var url = await Storage().PresignUploadPartAsync("uploads/owner/item", "upload-1", 2, 5 * 1024 * 1024, ExpiresAt);

        Assert.Contains("content-length", SignedHeaders(url));
        Assert.Contains("partNumber=2", url);
    }

    [Fact]
    public async Task Urls_for_different_lengths_have_different_signatures()
    {
        var storage = Storage();
        var declared = await storage.PresignUploadAsync("uploads/owner/item", "image/png", 1000, ExpiresAt);
        var larger = await storage.PresignUploadAsync("uploads/owner/item", "image/png", 3 * 1024 * 1024, ExpiresAt);

        Assert.NotEqual(
            HttpUtility.ParseQueryString(new Uri(declared).Query)["X-Amz-Signature"],
            HttpUtility.ParseQueryString(new Uri(larger).Query)["X-Amz-Signature"]);
    }
}

/// <summary>The quota settings are checked at start: a quota no allowed file fits into is a configuration error.</summary>
public sealed class MediaQuotaOptionsTests
{
    private static List<ValidationResult> Validate(MediaOptions options)
    {
        var results = new List<ValidationResult>();
        Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true);
        return results;
    }

    [Fact]
    public void The_defaults_are_valid() => Assert.Empty(Validate(new MediaOptions()));

    [Fact]
    public void A_byte_quota_below_the_largest_file_is_refused_naming_the_setting()
    {
        var result = Assert.Single(Validate(new MediaOptions { QuotaBytes = 1024, MaxUploadBytes = 2048 }));

        Assert.Contains("Media:QuotaBytes", result.ErrorMessage);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    public void An_item_quota_below_one_is_refused_naming_the_setting(int items) =>
        Assert.Contains("Media:QuotaItems", Assert.Single(Validate(new MediaOptions { QuotaItems = items })).ErrorMessage);
}
