using System.ComponentModel.DataAnnotations;
using System.Security.Cryptography;
using Platform.Api.Features.Media.Delivery;
using Platform.Media;

namespace Platform.Api.Tests;

/// <summary>The delivery settings are checked at start, and a mistake names its key.</summary>
public sealed class MediaDeliveryOptionsTests
{
    [Fact]
    public void Without_a_CloudFront_base_url_nothing_else_is_required()
    {
        Assert.Empty(Validate(new MediaDeliveryOptions()));
    }

    [Fact]
    public void A_base_url_needs_the_key_pair_id_and_the_private_key()
    {
        var errors = Validate(new MediaDeliveryOptions { CloudFront = { BaseUrl = "https://d111111abcdef8.cloudfront.net" } });

        Assert.Contains(errors, e => e.Contains("MediaDelivery:CloudFront:KeyPairId", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("MediaDelivery:CloudFront:PrivateKey", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("http://d111111abcdef8.cloudfront.net")]
    [InlineData("https://d111111abcdef8.cloudfront.net/")]
    [InlineData("/media")]
    public void The_base_url_is_an_absolute_https_url_without_a_trailing_slash(string baseUrl)
    {
        using var rsa = RSA.Create(2048);
        var errors = Validate(new MediaDeliveryOptions { CloudFront = { BaseUrl = baseUrl, KeyPairId = "K1", PrivateKey = rsa.ExportRSAPrivateKeyPem() } });

        Assert.Contains(errors, e => e.Contains("MediaDelivery:CloudFront:BaseUrl", StringComparison.Ordinal));
    }

    [Fact]
    public void A_private_key_that_is_not_an_RSA_PEM_is_refused_without_echoing_it()
    {
        var errors = Validate(new MediaDeliveryOptions { CloudFront = { BaseUrl = "https://cdn.example.com/m", KeyPairId = "K1", PrivateKey = "not-a-key-secret-value" } });

        var error = Assert.Single(errors);
        Assert.Contains("MediaDelivery:CloudFront:PrivateKey", error, StringComparison.Ordinal);
        Assert.DoesNotContain("not-a-key-secret-value", error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_url_is_valid_for_at_least_one_window_and_at_most_two_whenever_it_is_made()
    {
        var length = TimeSpan.FromMinutes(10);
        foreach (var seconds in new[] { 0, 1, 299, 599 })
        {
            var now = new DateTimeOffset(2026, 11, 30, 9, 0, 0, TimeSpan.Zero).AddSeconds(seconds);
            var window = UrlWindow.At(now, length);
            Assert.InRange(window.ExpiresAt - now, length, 2 * length);
            Assert.True(window.Start <= now && now < window.End);
        }
    }

    private static List<string> Validate(MediaDeliveryOptions options)
    {
        var results = new List<ValidationResult>();
        Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true);
        return results.Select(r => r.ErrorMessage ?? "").ToList();
    }
}
