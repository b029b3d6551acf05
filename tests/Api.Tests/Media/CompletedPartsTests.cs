using Platform.Api.Features.Media;

namespace Platform.Api.Tests.Media;

/// <summary>A multipart completion's part list: exactly parts 1…N, each once, each with an ETag, sorted for S3.</summary>
public sealed class CompletedPartsTests
{
    [Fact]
    public void Every_part_in_any_order_is_accepted_and_sorted_with_trimmed_etags()
    {
        var result = CompletedParts.Validate([new(3, " \"c\" "), new(1, "\"a\""), new(2, "\"b\"")], partCount: 3);

        Assert.Empty(result.Errors);
        Assert.Equal([new UploadedPart(1, "\"a\""), new UploadedPart(2, "\"b\""), new UploadedPart(3, "\"c\"")], result.Parts);
    }

    [Fact]
    public void A_missing_list_says_how_many_parts_the_upload_has()
    {
        var result = CompletedParts.Validate(null, partCount: 4);

        Assert.Empty(result.Parts);
        Assert.Contains("uploaded in 4 parts", Assert.Single(result.Errors["parts"]));
        Assert.Equal(result.Errors.Keys, CompletedParts.Validate([], partCount: 4).Errors.Keys);
    }

    [Theory]
    [InlineData(3, "Every one of the 3 parts must be listed; missing: 1, 3.")]
    [InlineData(20, "Every one of the 20 parts must be listed; missing: 1, 3, 4, 5, 6, 7, 8, 9, 10, 11, ….")]
    public void A_list_that_leaves_parts_out_names_the_first_ten_missing(int partCount, string error)
    {
        var result = CompletedParts.Validate([new(2, "b")], partCount);

        Assert.Equal(error, Assert.Single(result.Errors["parts"]));
    }

    [Fact]
    public void Each_wrong_entry_is_named_by_its_position_and_field()
    {
        var result = CompletedParts.Validate(
            [null, new(null, "a"), new(0, "b"), new(4, "c"), new(1, "d"), new(1, "e"), new(2, ""), new(3, new string('x', CompletedParts.MaxETagLength + 1)),
                new(null, "\"a\"\r\nX-Injected: 1")],
            partCount: 3);

        Assert.Equal("Each part needs a partNumber and an eTag.", Assert.Single(result.Errors["parts[0]"]));
        Assert.Equal("The part number is required.", Assert.Single(result.Errors["parts[1].partNumber"]));
        Assert.Equal("Part numbers of this upload go from 1 to 3.", Assert.Single(result.Errors["parts[2].partNumber"]));
        Assert.Equal("Part numbers of this upload go from 1 to 3.", Assert.Single(result.Errors["parts[3].partNumber"]));
        Assert.False(result.Errors.ContainsKey("parts[4].partNumber"));
        Assert.Equal("Part 1 is listed more than once.", Assert.Single(result.Errors["parts[5].partNumber"]));
        Assert.StartsWith("The ETag is required", Assert.Single(result.Errors["parts[6].eTag"]));
        Assert.Equal("This is not an ETag storage answers with.", Assert.Single(result.Errors["parts[7].eTag"]));
        Assert.Equal("This is not an ETag storage answers with.", Assert.Single(result.Errors["parts[8].eTag"])); // no header injection
    }

    [Fact]
    public void A_request_with_very_many_mistakes_gets_the_first_ten()
    {
        var parts = Enumerable.Range(0, 50).Select(_ => (CompletedPartRequest?)null).ToList();

        var result = CompletedParts.Validate(parts, partCount: 2);

        Assert.Equal(10, result.Errors.Count);
    }
}
