using Platform.Api.Features.Media;
using Platform.Data;

namespace Platform.Api.Tests.Media;

/// <summary>A client's file name as it is kept and shown: the last path segment, nothing invisible, at most 255 characters.</summary>
public sealed class FileNamesTests
{
    [Theory]
    [InlineData("holiday.jpg", "holiday.jpg")]
    [InlineData("C:\\Users\\me\\holiday.jpg", "holiday.jpg")]
    [InlineData("../../etc/passwd", "passwd")]
    [InlineData("  report.pdf  ", "report.pdf")]
    [InlineData("...hidden.", "hidden")]
    [InlineData("line\r\nbreak\t.png", "linebreak.png")]
    [InlineData("invoice\u202Egnp.exe", "invoicegnp.exe")]
    [InlineData("Ünïcödé 写真.jpg", "Ünïcödé 写真.jpg")]
    public void Only_the_visible_last_segment_is_kept(string sent, string kept)
    {
        Assert.Equal(kept, FileNames.Sanitize(sent));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("folder/")]
    [InlineData("\u0001\u0002")]
    public void A_name_with_nothing_usable_becomes_empty(string? sent)
    {
        Assert.Equal("", FileNames.Sanitize(sent));
    }

    [Fact]
    public void A_long_name_is_cut_to_the_column_length()
    {
        Assert.Equal(MediaItem.MaxFileNameLength, FileNames.Sanitize(new string('a', 1000) + ".jpg").Length);
    }

    [Fact]
    public void A_cut_never_splits_a_surrogate_pair()
    {
        // 254 letters, then an emoji (two UTF-16 units) that straddles the limit: it goes as a whole.
        var name = new string('a', MediaItem.MaxFileNameLength - 1) + "😀" + "b";

        var kept = FileNames.Sanitize(name);

        Assert.Equal(new string('a', MediaItem.MaxFileNameLength - 1), kept);
        Assert.False(char.IsHighSurrogate(kept[^1]));
    }
}
