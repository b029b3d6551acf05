using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Platform.Web.Features.Media;

namespace Platform.Web.Tests;

/// <summary>
/// What a person reads when the Api refuses: the ProblemDetails' validation messages, else its detail, else its title,
/// else a sentence for the status; never an exception's text, and never a server's inner workings.
/// </summary>
public sealed class ApiResultTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Validation_messages_are_joined_into_one_sentence()
    {
        var result = await FailureAsync(HttpStatusCode.BadRequest, """
            {"title":"The upload request is incomplete or invalid.","errors":{"fileName":["The file name is required."],"size":["The size must be a positive number of bytes."]}}
            """);

        Assert.Equal("The file name is required. The size must be a positive number of bytes.", result.Error);
        Assert.Equal(HttpStatusCode.BadRequest, result.Status);
        Assert.False(result.Succeeded);
    }

    [Fact]
    public async Task Without_validation_messages_the_detail_is_shown_else_the_title()
    {
        var withDetail = await FailureAsync(HttpStatusCode.Conflict, """{"title":"The uploaded file does not match.","detail":"11 bytes were uploaded, but 10 were declared."}""");
        var titleOnly = await FailureAsync(HttpStatusCode.Conflict, """{"title":"The file has not been uploaded.","errors":{"parts":[" "]}}""");

        Assert.Equal("11 bytes were uploaded, but 10 were declared.", withDetail.Error);
        Assert.Equal("The file has not been uploaded.", titleOnly.Error);
    }

    [Theory]
    [InlineData(HttpStatusCode.RequestEntityTooLarge, "That file is too large.")]
    [InlineData(HttpStatusCode.UnsupportedMediaType, "That kind of file cannot be uploaded.")]
    [InlineData(HttpStatusCode.Conflict, "The request could not be completed.")]
    public async Task A_body_that_is_no_problem_gets_a_sentence_for_its_status(HttpStatusCode status, string sentence)
    {
        Assert.Equal(sentence, (await FailureAsync(status, "<html>proxy error</html>", "text/html")).Error);
        Assert.Equal(sentence, (await FailureAsync(status, "")).Error);
    }

    [Fact]
    public async Task A_too_large_or_unsupported_file_shows_the_apis_explanation()
    {
        var result = await FailureAsync(HttpStatusCode.UnsupportedMediaType,
            """{"title":"This type of file is not accepted.","detail":"The content type 'text/plain' is not accepted."}""");

        Assert.Equal("The content type 'text/plain' is not accepted.", result.Error);
    }

    [Fact]
    public async Task Not_found_never_says_whether_the_item_exists_for_someone_else()
    {
        var result = await FailureAsync(HttpStatusCode.NotFound, """{"title":"Not Found"}""");

        Assert.Equal("That item does not exist, or it is not yours.", result.Error);
    }

    [Theory]
    [InlineData(HttpStatusCode.InternalServerError)]
    [InlineData(HttpStatusCode.ServiceUnavailable)]
    public async Task A_server_failure_never_shows_the_servers_text(HttpStatusCode status)
    {
        var result = await FailureAsync(status, """{"title":"NpgsqlException","detail":"connection refused at 10.0.0.5"}""");

        Assert.Equal("The media service is not available right now. Please try again in a moment.", result.Error);
    }

    [Fact]
    public async Task Too_many_requests_says_when_to_try_again()
    {
        using var response = Response(HttpStatusCode.TooManyRequests, "");
        response.Headers.RetryAfter = new RetryConditionHeaderValue(TimeSpan.FromSeconds(3));

        var result = await ApiResult<MediaItem>.FailureAsync(response, Ct);

        Assert.Equal("You are going a little fast. Please try again in 3 seconds.", result.Error);
        Assert.Equal(TimeSpan.FromSeconds(3), result.RetryAfter);
    }

    [Fact]
    public async Task Too_many_requests_without_a_retry_after_suggests_ten_seconds()
    {
        var result = await FailureAsync(HttpStatusCode.TooManyRequests, "");

        Assert.Equal("You are going a little fast. Please try again in 10 seconds.", result.Error);
    }

    private static async Task<ApiResult<MediaItem>> FailureAsync(HttpStatusCode status, string body, string contentType = "application/problem+json")
    {
        using var response = Response(status, body, contentType);
        return await ApiResult<MediaItem>.FailureAsync(response, Ct);
    }

    private static HttpResponseMessage Response(HttpStatusCode status, string body, string contentType = "application/problem+json") =>
        new(status) { Content = new StringContent(body, Encoding.UTF8, contentType) };
}
