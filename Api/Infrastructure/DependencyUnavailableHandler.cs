using System.Globalization;
using Microsoft.AspNetCore.Diagnostics;
using Platform.ServiceDefaults.Resilience;

namespace Platform.Api.Infrastructure;

/// <summary>
/// A request that needed a dependency which is down (Postgres, S3; see <see cref="DependencyGuard"/>) answers
/// <c>503 Service Unavailable</c> with <c>Retry-After</c> and a ProblemDetails naming what is missing, at once: never a
/// 500, never a request that hangs until the client gives up.
/// </summary>
internal sealed partial class DependencyUnavailableHandler(IProblemDetailsService problems, ILogger<DependencyUnavailableHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (!DependencyFailures.IsUnavailable(exception))
        {
            return false;
        }

        var unavailable = DependencyFailures.Find(exception);
        var dependency = DependencyFailures.DependencyOf(exception) ?? "service this request needs";
        var seconds = Math.Max(1, (int)Math.Ceiling((unavailable?.RetryAfter ?? TimeSpan.FromSeconds(2)).TotalSeconds));
        LogUnavailable(logger, httpContext.Request.Method, httpContext.Request.Path, dependency);

        httpContext.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        httpContext.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            ProblemDetails =
            {
                Status = StatusCodes.Status503ServiceUnavailable,
                Title = "The service is temporarily unavailable.",
                Detail = $"The {dependency} cannot be reached right now. Nothing was changed; try again in {seconds} second(s).",
                Extensions = { ["dependency"] = dependency },
            },
        });
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Method} {Path} answered 503: the {Dependency} is unavailable")]
    private static partial void LogUnavailable(ILogger logger, string method, string path, string dependency);
}
