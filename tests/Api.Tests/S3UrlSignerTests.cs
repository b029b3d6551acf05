using Amazon;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using Platform.Api.Features.Media.Delivery;
using Platform.Media;

namespace Platform.Api.Tests;

/// <summary>The locally computed SigV4 presigned GETs are the ones AWS documents, and the ones the AWS SDK makes.</summary>
public sealed class S3UrlSignerTests
{
    private const string ExampleAccessKey = "AKIAIOSFODNN7EXAMPLE";
    private const string ExampleSecretKey = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

    [Fact]
    public void Signs_the_example_of_the_S3_documentation_with_its_published_signature()
    {
        // "Authenticating Requests: Using Query Parameters (AWS Signature Version 4)", Amazon S3 API Reference.
        var signer = new S3UrlSigner(new S3Endpoint("https://examplebucket.s3.amazonaws.com", "/", "us-east-1"));

        var url = signer.PresignGet(new SigningCredentials(ExampleAccessKey, ExampleSecretKey, null), "test.txt",
            new DateTimeOffset(2013, 5, 24, 0, 0, 0, TimeSpan.Zero), TimeSpan.FromSeconds(86400));

        Assert.Equal(
            "https://examplebucket.s3.amazonaws.com/test.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256" +
            "&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request" +
            "&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host" +
            "&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404",
            url);
    }

    public static TheoryData<string, bool> SdkClients => new()
    {
        { "emulator (path style, http, port)", false },
        { "emulator with a session token", true },
        { "S3 in eu-west-1 (virtual-hosted)", false },
        { "S3 in us-east-1 with a session token", true },
    };

    [Theory]
    [MemberData(nameof(SdkClients))]
    public async Task Makes_the_same_signature_as_the_AWS_SDK_for_the_same_request(string client, bool sessionToken)
    {
        AWSCredentials credentials = sessionToken
            ? new SessionAWSCredentials(ExampleAccessKey, ExampleSecretKey, "FwoGZXIvYXdzEXAMPLE/session+token==")
            : new BasicAWSCredentials(ExampleAccessKey, ExampleSecretKey);
        var config = client switch
        {
            _ when client.StartsWith("emulator", StringComparison.Ordinal) => new AmazonS3Config
            {
                ServiceURL = "http://127.0.0.1:4566",
                ForcePathStyle = true,
                AuthenticationRegion = "us-east-1",
            },
            _ when client.Contains("eu-west-1", StringComparison.Ordinal) => new AmazonS3Config { RegionEndpoint = RegionEndpoint.EUWest1 },
            _ => new AmazonS3Config { RegionEndpoint = RegionEndpoint.USEast1 },
        };
        using var s3 = new AmazonS3Client(credentials, config);
        var protocol = config.ServiceURL is not null ? Protocol.HTTP : Protocol.HTTPS;
        const string key = "media/0a1b2c3d4e5f60718293a4b5c6d7e8f9/11111111222233334444555566667777/original";
        var request = new GetPreSignedUrlRequest
        {
            BucketName = "media-bucket",
            Key = key,
            Verb = HttpVerb.GET,
            Expires = DateTime.UtcNow.AddHours(2),
            Protocol = protocol,
        };
        request.ResponseHeaderOverrides.ContentType = "image/jpeg";
        request.ResponseHeaderOverrides.ContentDisposition = "attachment; filename=\"Holiday _1_.jpg\"; filename*=UTF-8''Holiday%20%281%29.jpg";
        var sdkUrl = new Uri(await s3.GetPreSignedURLAsync(request));
        var sdk = Query(sdkUrl);

        var endpoint = S3Endpoint.FromPresignedUrl(
            await s3.GetPreSignedURLAsync(new GetPreSignedUrlRequest { BucketName = "media-bucket", Key = "probe", Verb = HttpVerb.GET, Expires = DateTime.UtcNow.AddMinutes(1), Protocol = protocol }),
            "probe");
        var signedAt = DateTimeOffset.ParseExact(sdk["X-Amz-Date"], "yyyyMMdd'T'HHmmss'Z'", null, System.Globalization.DateTimeStyles.AssumeUniversal);
        var mine = new Uri(new S3UrlSigner(endpoint).PresignGet(
            new SigningCredentials(ExampleAccessKey, ExampleSecretKey, sessionToken ? "FwoGZXIvYXdzEXAMPLE/session+token==" : null),
            key, signedAt, TimeSpan.FromSeconds(long.Parse(sdk["X-Amz-Expires"], System.Globalization.CultureInfo.InvariantCulture)),
            [new("response-content-disposition", request.ResponseHeaderOverrides.ContentDisposition), new("response-content-type", "image/jpeg")]));

        Assert.Equal(sdkUrl.GetLeftPart(UriPartial.Path), mine.GetLeftPart(UriPartial.Path));
        Assert.Equal(sdk.OrderBy(p => p.Key), Query(mine).OrderBy(p => p.Key));
    }

    [Fact]
    public void Every_request_in_one_window_gets_the_same_url_and_the_next_window_another()
    {
        var signer = new S3UrlSigner(new S3Endpoint("http://127.0.0.1:4566", "/media/", "us-east-1"));
        var credentials = new SigningCredentials("test", "test", null);
        var length = TimeSpan.FromHours(1);
        string Sign(DateTimeOffset now)
        {
            var window = UrlWindow.At(now, length);
            return signer.PresignGet(credentials, "media/a/b/thumb-320.webp", window.Start, window.ExpiresAt - window.Start);
        }

        var start = new DateTimeOffset(2026, 11, 30, 10, 0, 0, TimeSpan.Zero);
        Assert.Equal(Sign(start), Sign(start.AddMinutes(59).AddSeconds(59)));
        Assert.NotEqual(Sign(start), Sign(start.AddHours(1)));
        // Across midnight the scope's day changes, and with it the signing key.
        Assert.Contains("20261201", Sign(new DateTimeOffset(2026, 12, 1, 0, 0, 1, TimeSpan.Zero)), StringComparison.Ordinal);
        Assert.Contains("X-Amz-Expires=7200", Sign(start), StringComparison.Ordinal);
    }

    private static Dictionary<string, string> Query(Uri uri) => uri.Query.TrimStart('?').Split('&')
        .Select(pair => pair.Split('=', 2))
        .ToDictionary(p => Uri.UnescapeDataString(p[0]), p => Uri.UnescapeDataString(p[1]));
}
