using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Platform.Web.Features.Media;

/// <summary>
/// An Api answer as the Web app shows it: the value, or a message a person can act on (never an exception's text).
/// The Api answers with ProblemDetails; its title/detail and validation errors become the message.
/// </summary>
public sealed class ApiResult<T>
{
    private ApiResult(T? value, string? error, HttpStatusCode? status, TimeSpan? retryAfter)
    {
        Value = value;
        Error = error;
        Status = status;
        RetryAfter = retryAfter;
    }

    public T? Value { get; }

    public string? Error { get; }

    public HttpStatusCode? Status { get; }

    public TimeSpan? RetryAfter { get; }

    public bool Succeeded => Error is null;

    public static ApiResult<T> Success(T value) => new(value, null, null, null);

    public static ApiResult<T> Failure(string message, HttpStatusCode? status = null) => new(default, message, status, null);

    public static async Task<ApiResult<T>> FailureAsync(HttpResponseMessage response, CancellationToken ct)
    {
        var retryAfter = response.Headers.RetryAfter?.Delta;
        var message = response.StatusCode switch
        {
            HttpStatusCode.TooManyRequests =>
                $"You are going a little fast. Please try again in {Math.Max(1, (int)Math.Ceiling((retryAfter ?? TimeSpan.FromSeconds(10)).TotalSeconds))} seconds.",
            HttpStatusCode.NotFound => "That item does not exist, or it is not yours.",
            HttpStatusCode.RequestEntityTooLarge => await DescribeAsync(response, ct) ?? "That file is too large.",
            HttpStatusCode.UnsupportedMediaType => await DescribeAsync(response, ct) ?? "That kind of file cannot be uploaded.",
            >= HttpStatusCode.InternalServerError => "The media service is not available right now. Please try again in a moment.",
            _ => await DescribeAsync(response, ct) ?? "The request could not be completed.",
        };
        return new ApiResult<T>(default, message, response.StatusCode, retryAfter);
    }

    private static async Task<string?> DescribeAsync(HttpResponseMessage response, CancellationToken ct)
    {
        try
        {
            var problem = await response.Content.ReadFromJsonAsync<Problem>(ct);
            if (problem is null)
            {
                return null;
            }

            var details = problem.Errors?.SelectMany(e => e.Value).Where(m => !string.IsNullOrWhiteSpace(m)).ToArray() ?? [];
            return details.Length > 0 ? string.Join(" ", details) : problem.Detail ?? problem.Title;
        }
        catch (Exception ex) when (ex is JsonException or NotSupportedException or InvalidOperationException)
        {
            return null;
        }
    }

    private sealed record Problem(string? Title, string? Detail, Dictionary<string, string[]>? Errors);
}
