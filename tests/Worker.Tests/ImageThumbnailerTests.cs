using NetVips;
using Platform.Media;
using Platform.Worker.Features.Media;

namespace Platform.Worker.Tests;

/// <summary>Thumbnails as a user sees them: the right size, upright, WebP, nothing hidden inside; bad files refused.</summary>
public sealed class ImageThumbnailerTests : IDisposable
{
    private readonly TestFiles _files = new();
    private readonly ImageThumbnailer _thumbnailer = new(new MediaProcessingOptions());

    [Fact]
    public void A_landscape_jpeg_keeps_its_aspect_and_is_never_enlarged()
    {
        using var image = TestFiles.HalfWhite(1000, 500);
        var path = _files.Write("landscape.jpg", TestFiles.Jpeg(image));

        var result = _thumbnailer.Process(path, "image/jpeg");

        Assert.Equal((1000, 500), (result.Width, result.Height));
        using var small = Image.NewFromBuffer(result.SmallThumbnail);
        using var large = Image.NewFromBuffer(result.LargeThumbnail);
        Assert.Equal((320, 160), (small.Width, small.Height));
        Assert.Equal((1000, 500), (large.Width, large.Height));
    }

    [Fact]
    public void A_large_image_fits_both_boxes()
    {
        using var image = TestFiles.HalfWhite(3000, 4000);
        var path = _files.Write("portrait.png", image.PngsaveBuffer());

        var result = _thumbnailer.Process(path, "image/png");

        using var small = Image.NewFromBuffer(result.SmallThumbnail);
        using var large = Image.NewFromBuffer(result.LargeThumbnail);
        Assert.Equal((240, 320), (small.Width, small.Height));
        Assert.Equal((960, 1280), (large.Width, large.Height));
    }

    [Fact]
    public void Thumbnails_are_webp_without_any_metadata()
    {
        using var image = TestFiles.HalfWhite(400, 300);
        var path = _files.Write("photo.jpg", TestFiles.Jpeg(image, orientation: 1));

        var result = _thumbnailer.Process(path, "image/jpeg");

        foreach (var bytes in new[] { result.SmallThumbnail, result.LargeThumbnail })
        {
            Assert.Equal("RIFF", System.Text.Encoding.ASCII.GetString(bytes, 0, 4));
            Assert.Equal("WEBP", System.Text.Encoding.ASCII.GetString(bytes, 8, 4));
            using var thumbnail = Image.NewFromBuffer(bytes);
            Assert.StartsWith("webpload", (string)thumbnail.Get("vips-loader"));
            Assert.False(thumbnail.Contains("exif-data"), "EXIF must be stripped");
            Assert.False(thumbnail.Contains("xmp-data"), "XMP must be stripped");
        }
    }

    [Fact]
    public void The_exif_orientation_is_applied_to_the_thumbnails_and_the_recorded_size()
    {
        // Stored 200×100 with the white half on the left; orientation 6 means "turn 90° clockwise to view", so upright
        // it is 100×200 with the white half on top.
        using var image = TestFiles.HalfWhite(200, 100);
        var path = _files.Write("rotated.jpg", TestFiles.Jpeg(image, orientation: 6));

        var result = _thumbnailer.Process(path, "image/jpeg");

        Assert.Equal((100, 200), (result.Width, result.Height));
        using var large = Image.NewFromBuffer(result.LargeThumbnail);
        Assert.Equal((100, 200), (large.Width, large.Height));
        using var top = large.Crop(0, 0, large.Width, large.Height / 2 - 10);
        using var bottom = large.Crop(0, large.Height / 2 + 10, large.Width, large.Height / 2 - 10);
        Assert.True(top.Avg() > 200, $"the top half should be white, average {top.Avg():F0}");
        Assert.True(bottom.Avg() < 55, $"the bottom half should be black, average {bottom.Avg():F0}");
    }

    [Fact]
    public void An_image_over_the_pixel_limit_is_refused_before_decoding()
    {
        // A decompression bomb in small: a tiny file describing more pixels than allowed.
        var limited = new ImageThumbnailer(new MediaProcessingOptions { MaxPixels = 1_000_000 });
        using var image = Image.Black(2000, 1000);
        var bytes = image.PngsaveBuffer(compression: 9);
        Assert.True(bytes.Length < 20_000, $"the bomb should be small, it is {bytes.Length} bytes");
        var path = _files.Write("bomb.png", bytes);

        var error = Assert.Throws<MediaRejectedException>(() => limited.Process(path, "image/png"));

        Assert.Contains("2000×1000", error.Message);
        Assert.Contains("limit", error.Message);
    }

    [Fact]
    public void A_truncated_jpeg_is_refused()
    {
        using var image = Image.Black(600, 400, bands: 3) + new[] { 10.0, 120, 200 };
        var bytes = TestFiles.Jpeg(image);
        var path = _files.Write("truncated.jpg", bytes[..(bytes.Length / 2)]);

        var error = Assert.Throws<MediaRejectedException>(() => _thumbnailer.Process(path, "image/jpeg"));

        Assert.Contains("damaged or incomplete", error.Message);
    }

    [Fact]
    public void Bytes_that_are_no_image_are_refused()
    {
        var path = _files.Write("noise.jpg", [.. Enumerable.Range(0, 4096).Select(i => (byte)(i * 7919 % 251))]);

        var error = Assert.Throws<MediaRejectedException>(() => _thumbnailer.Process(path, "image/jpeg"));

        Assert.Equal("The file is not a JPEG as declared.", error.Message);
    }

    [Fact]
    public void A_file_of_another_type_than_declared_is_refused()
    {
        using var image = TestFiles.HalfWhite(64, 64);
        var path = _files.Write("really-a-jpeg.png", TestFiles.Jpeg(image));

        var error = Assert.Throws<MediaRejectedException>(() => _thumbnailer.Process(path, "image/png"));

        Assert.Equal("The file is not a PNG as declared.", error.Message);
    }

    [Theory]
    [InlineData("image/gif")]
    [InlineData("image/webp")]
    public void Gif_and_webp_are_read_too(string contentType)
    {
        using var image = TestFiles.HalfWhite(640, 480);
        var bytes = contentType == "image/gif" ? image.GifsaveBuffer() : image.WebpsaveBuffer();
        var path = _files.Write("image", bytes);

        var result = _thumbnailer.Process(path, contentType);

        Assert.Equal((640, 480), (result.Width, result.Height));
        using var small = Image.NewFromBuffer(result.SmallThumbnail);
        Assert.Equal((320, 240), (small.Width, small.Height));
    }

    [Fact]
    public void Every_image_type_the_api_accepts_is_one_the_thumbnailer_reads_and_the_rest_are_pdfs()
    {
        // The Api accepts MediaContentTypes.Accepted; an accepted type the Worker cannot read would fail every upload of it.
        Assert.All(MediaContentTypes.Images, type => Assert.True(ImageThumbnailer.CanProcess(type), type));
        Assert.Equal([MediaContentTypes.Pdf], MediaContentTypes.Accepted.Except(MediaContentTypes.Images));
        Assert.False(ImageThumbnailer.CanProcess(MediaContentTypes.Pdf));
    }

    public void Dispose() => _files.Dispose();
}
