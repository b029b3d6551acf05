using System.Globalization;
using Platform.ServiceDefaults.Resilience;

namespace Platform.Web.Features.Accounts;

/// <summary>
/// When a request cannot read or create a session because Redis is down, the person gets a 503 that says so — a page
/// for pages (through the status-code pages, as <c>/Error?statusCode=503</c>), a ProblemDetails for the upload
/// script — with <c>Retry-After</c>, never a 500. The session itself is not lost: once Redis is back it works again.
/// Placed before authentication, which is where sessions are read.
/// </summary>
public sealed class SessionStoreUnavailableMiddleware(RequestDelegate next)
{
    private const string FailedKey = "platform.session-store-unavailable";

    /// <summary>True when this request already found the session store unavailable.</summary>
    public static bool HasFailed(HttpContext context) => context.Items.ContainsKey(FailedKey);

    public async Task InvokeAsync(HttpContext context)
    {
        try
        {
            await next(context);
        }
        catch (DependencyUnavailableException ex) when (!context.Response.HasStarted && !HasFailed(context))
        {
            context.Items[FailedKey] = true;
            var seconds = Math.Max(1, (int)Math.Ceiling(ex.RetryAfter.TotalSeconds));
            context.Response.Clear();
            context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
            if (context.Request.Path.StartsWithSegments("/uploads"))
            {
                await Results.Problem(
                    statusCode: StatusCodes.Status503ServiceUnavailable,
                    title: "Your session cannot be read right now.",
                    detail: $"Try again in {seconds} second(s); you stay signed in.").ExecuteAsync(context);
            }
        }
    }
}
