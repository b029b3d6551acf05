using System.Text.Json.Nodes;

namespace Platform.Aws.Tests;

/// <summary>
/// How long bytes survive in the media bucket, the same in every stage: a deleted or replaced object's old version for
/// 30 days (versioning + noncurrent-version expiration, no archive that would keep it longer), and whatever is left
/// under the upload prefix — uploads never completed, open multipart uploads, a PUT after complete — for one day.
/// </summary>
public abstract class UploadRetentionTests(PlatformStackFixture stack)
{
    private JsonObject Bucket => stack.Json.Named("AWS::S3::Bucket", "Storage").Properties;

    private JsonArray Rules => Bucket["LifecycleConfiguration"]!["Rules"]!.AsArray();

    [Fact]
    public void A_deleted_objects_bytes_survive_exactly_30_days_as_a_noncurrent_version()
    {
        Assert.Equal("Enabled", (string?)Bucket["VersioningConfiguration"]!["Status"]);
        var general = Assert.Single(Rules, r => r!["Prefix"] is null && r["Filter"] is null)!;
        Assert.Equal(30, (int)general["NoncurrentVersionExpiration"]!["NoncurrentDays"]!);
        Assert.Null(general["NoncurrentVersionTransitions"]);
        Assert.True((bool)general["ExpiredObjectDeleteMarker"]!);
    }

    [Fact]
    public void Uploads_left_under_the_upload_prefix_and_open_multipart_uploads_go_after_one_day()
    {
        var uploads = Assert.Single(Rules, r => (string?)(r!["Prefix"] ?? r["Filter"]?["Prefix"]) == "uploads/")!;
        Assert.Equal(1, (int)uploads["ExpirationInDays"]!);
        Assert.Equal(1, (int)uploads["NoncurrentVersionExpiration"]!["NoncurrentDays"]!);
        Assert.Equal(1, (int)uploads["AbortIncompleteMultipartUpload"]!["DaysAfterInitiation"]!);
        Assert.Equal("Enabled", (string?)uploads["Status"]);
    }
}

public sealed class DevUploadRetentionTests(DevStackFixture stack) : UploadRetentionTests(stack), IClassFixture<DevStackFixture>;

public sealed class ProdUploadRetentionTests(ProdStackFixture stack) : UploadRetentionTests(stack), IClassFixture<ProdStackFixture>;
