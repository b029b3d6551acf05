using Platform.Api.Features.Media;

namespace Platform.Api.Tests.Media;

/// <summary>The download header for any name a client sent: a safe ASCII fallback plus the exact name in UTF-8 (RFC 6266).</summary>
public sealed class ContentDispositionTests
{
    [Fact]
    public void A_plain_name_appears_as_is_in_both_forms()
    {
        Assert.Equal("attachment; filename=\"photo.jpg\"; filename*=UTF-8''photo.jpg", ContentDisposition.Attachment("photo.jpg"));
    }

    [Fact]
    public void Quotes_and_backslashes_cannot_break_out_of_the_quoted_fallback()
    {
        var header = ContentDisposition.Attachment("a\"b\\c.pdf");

        Assert.Equal("attachment; filename=\"a_b_c.pdf\"; filename*=UTF-8''a%22b%5Cc.pdf", header);
    }

    [Fact]
    public void Non_ascii_names_travel_exactly_in_the_utf8_form()
    {
        var header = ContentDisposition.Attachment("Grüße 写真.png");

        Assert.Equal("attachment; filename=\"Gr__e __.png\"; filename*=UTF-8''Gr%C3%BC%C3%9Fe%20%E5%86%99%E7%9C%9F.png", header);
    }

    [Fact]
    public void Control_characters_never_reach_the_header()
    {
        var header = ContentDisposition.Attachment("a\r\nSet-Cookie: x=1");

        Assert.DoesNotContain('\r', header);
        Assert.DoesNotContain('\n', header);
        Assert.Contains("filename*=UTF-8''a%0D%0ASet-Cookie%3A%20x%3D1", header);
    }
}
