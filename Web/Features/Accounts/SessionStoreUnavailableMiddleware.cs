using System.Globalization;
using Microsoft.AspNetCore.Diagnostics;
using Platform.ServiceDefaults.Resilience;

namespace Platform.Web.Features.Accounts;

/// <summary>
/// When a request cannot read or create a session because Redis is down, the person gets a 503 that says so — a page
/// for pages (through the status-code pages, as <c>/Error?statusCode=503</c>), a ProblemDetails for the upload
/// script — with <c>Retry-After</c>, never a 500 and never a sign-in page (they are not signed out: once Redis is back
/// the session works again). Placed right after authentication, which is where sessions are read, and before
/// authorization, which would otherwise send the person to sign in.
/// </summary>
public sealed class SessionStoreUnavailableMiddleware(RequestDelegate next)
{
    private const string FailedKey = "platform.session-store-unavailable";
    private static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(2);

    /// <summary>True when this request found the session store unavailable.</summary>
    public static bool HasFailed(HttpContext context) => context.Items.ContainsKey(FailedKey);

    public static void MarkFailed(HttpContext context) => context.Items[FailedKey] = true;

    public async Task InvokeAsync(HttpContext context)
    {
        // The error page that explains it is rendered in the same request, and must not be refused the same way.
        if (HasFailed(context) && context.Features.Get<IStatusCodeReExecuteFeature>() is null)
        {
            await RefuseAsync(context, RetryAfter);
            return;
        }

        try
        {
            await next(context);
        }
        catch (DependencyUnavailableException ex) when (!context.Response.HasStarted && !HasFailed(context))
        {
            MarkFailed(context);
            context.Response.Clear();
            await RefuseAsync(context, ex.RetryAfter);
        }
    }

    private static async Task RefuseAsync(HttpContext context, TimeSpan retryAfter)
    {
        var seconds = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));
        context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        if (context.Request.Path.StartsWithSegments("/uploads"))
        {
            await Results.Problem(
                statusCode: StatusCodes.Status503ServiceUnavailable,
                title: "Your session cannot be read right now.",
                detail: $"Try again in {seconds} second(s); you stay signed in.").ExecuteAsync(context);
        }

        // Pages: no body, so the status-code pages show /Error?statusCode=503.
    }
}
