namespace Platform.Web.Infrastructure;

/// <summary>
/// The JSON endpoints the page scripts call answer every refusal as a ProblemDetails, the way the Api does, so a script
/// can show its title or detail: a body that is not the JSON the endpoint reads (malformed, wrong types, too large) is
/// a 400/413 ProblemDetails in every environment, never the HTML error page or a developer page with a stack trace.
/// </summary>
public static class ScriptEndpointProblems
{
    public static IHostApplicationBuilder AddScriptEndpointProblems(this IHostApplicationBuilder builder)
    {
        builder.Services.AddProblemDetails();
        // Binding failures throw in every environment (by default only in Development), so they all take one path.
        builder.Services.Configure<Microsoft.AspNetCore.Routing.RouteHandlerOptions>(options => options.ThrowOnBadRequest = true);
        return builder;
    }

    /// <summary>For requests under <paramref name="prefix"/>: a request the endpoint could not read becomes a ProblemDetails.</summary>
    public static WebApplication UseScriptEndpointProblems(this WebApplication app, PathString prefix)
    {
        app.UseWhen(context => context.Request.Path.StartsWithSegments(prefix), branch => branch.Use(async (context, next) =>
        {
            try
            {
                await next(context);
            }
            catch (BadHttpRequestException ex) when (!context.Response.HasStarted)
            {
                context.Response.Clear();
                context.Response.StatusCode = ex.StatusCode;
                await context.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
                {
                    HttpContext = context,
                    ProblemDetails =
                    {
                        Status = ex.StatusCode,
                        Title = "The request could not be read.",
                        // Binding messages describe the request ("Failed to read parameter … as JSON"), never the server.
                        Detail = ex.Message,
                    },
                });
            }
        }));
        return app;
    }
}
