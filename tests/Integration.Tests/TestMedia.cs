using NetVips;

namespace Platform.Integration.Tests;

/// <summary>Files a user would upload, made in code.</summary>
public static class TestMedia
{
    /// <summary>A colourful gradient, so the encoders have something real to compress.</summary>
    public static Image Picture(int width, int height)
    {
        using var xy = Image.Xyz(width, height);
        using var scaled = xy * new[] { 255.0 / width, 255.0 / height };
        using var blue = Image.Black(width, height) + 128;
        using var rgb = scaled.Bandjoin(blue);
        return rgb.Cast(Enums.BandFormat.Uchar);
    }

    public static byte[] Jpeg(int width, int height)
    {
        using var image = Picture(width, height);
        return image.JpegsaveBuffer(q: 85);
    }

    public static byte[] Png(int width, int height)
    {
        using var image = Picture(width, height);
        return image.PngsaveBuffer();
    }

    /// <summary>
    /// A PNG stored without compression (zlib level 0), so that its size is known in advance — about width × height × 3
    /// bytes — and large files are quick to make: 2600 × 2600 is about 20 MB.
    /// </summary>
    public static byte[] UncompressedPng(int width, int height)
    {
        using var image = Picture(width, height);
        return image.PngsaveBuffer(compression: 0);
    }

    /// <summary>A minimal, valid PDF with <paramref name="pages"/> empty pages.</summary>
    public static byte[] Pdf(int pages) => Platform.Tests.Shared.SamplePdf.Create(pages);
}
