using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;

namespace Platform.Api.Infrastructure;

/// <summary>The answer of every rate limit in the Api: 429, <c>Retry-After</c> in whole seconds, and a ProblemDetails.</summary>
internal static class TooManyRequests
{
    /// <summary>Answers a rejected request; the wait is the limiter's own when it says one, else a second.</summary>
    public static async ValueTask WriteAsync(OnRejectedContext context, string title)
    {
        var wait = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? retryAfter : TimeSpan.FromSeconds(1);
        var seconds = Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds));
        var response = context.HttpContext.Response;
        response.StatusCode = StatusCodes.Status429TooManyRequests;
        response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        await context.HttpContext.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
        {
            HttpContext = context.HttpContext,
            ProblemDetails =
            {
                Status = StatusCodes.Status429TooManyRequests,
                Title = title,
                Detail = $"Try again in {seconds} second(s).",
            },
        });
    }
}
