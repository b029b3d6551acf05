using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.OpenApi;
using Platform.ServiceDefaults.Http;
using Scalar.AspNetCore;

namespace Platform.Api.Infrastructure;

/// <summary>What every Api endpoint shares: ProblemDetails for every error, request size limits and the API description.</summary>
public static class ApiDefaults
{
    /// <summary>
    /// The Api takes JSON only; file bytes go straight to S3. A body larger than this is refused with 413 before it is
    /// read, so nobody can make the Api buffer megabytes.
    /// </summary>
    public const long MaxRequestBodyBytes = 64 * 1024;

    private const string BearerSchemeName = "Bearer";

    public static IHostApplicationBuilder AddApiDefaults(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddProblemDetails(options => options.CustomizeProblemDetails = context =>
        {
            // A client mistake found while binding (malformed JSON, a number that is not one, a body too large) carries
            // its own status and a message about the request, never about the server: show it to the client.
            if (context.Exception is BadHttpRequestException badRequest)
            {
                context.ProblemDetails.Detail = badRequest.Message;
            }
        });

        // Binding failures throw in every environment, so they all take the one path above (by default only Development
        // throws, and Production answers an empty 400).
        builder.Services.Configure<RouteHandlerOptions>(options => options.ThrowOnBadRequest = true);
        builder.Services.Configure<ExceptionHandlerOptions>(options => options.StatusCodeSelector = exception => exception switch
        {
            BadHttpRequestException badRequest => badRequest.StatusCode,
            _ => StatusCodes.Status500InternalServerError,
        });
        builder.Services.AddExceptionHandler<DependencyUnavailableHandler>();
        builder.Services.Configure<FormOptions>(options => options.MultipartBodyLengthLimit = MaxRequestBodyBytes);
        builder.Services.Configure<Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerOptions>(options =>
            options.Limits.MaxRequestBodySize = MaxRequestBodyBytes);
        builder.Services.Configure<JsonOptions>(options => options.SerializerOptions.AllowTrailingCommas = false);

        builder.Services.AddOpenApi(options =>
        {
            // Say in the document that the media endpoints take the bearer token from /api/auth/login, so Scalar's
            // "Authorize" works and generated clients send it.
            options.AddDocumentTransformer((document, _, _) =>
            {
                document.Components ??= new OpenApiComponents();
                document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
                document.Components.SecuritySchemes[BearerSchemeName] = new OpenApiSecurityScheme
                {
                    Type = SecuritySchemeType.Http,
                    Scheme = "bearer",
                    Description = "The accessToken from POST /api/auth/login.",
                };
                return Task.CompletedTask;
            });
            options.AddOperationTransformer((operation, context, _) =>
            {
                if (context.Description.ActionDescriptor.EndpointMetadata.OfType<IAuthorizeData>().Any())
                {
                    operation.Security ??= [];
                    operation.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(BearerSchemeName, context.Document)] = [] });
                }

                return Task.CompletedTask;
            });
        });
        return builder;
    }

    public static WebApplication UseApiDefaults(this WebApplication app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseUtf8RequestBodiesOnly();
        return app;
    }

    /// <summary>The OpenAPI document at <c>/openapi/v1.json</c>, and the Scalar UI at <c>/scalar</c> in Development.</summary>
    public static WebApplication MapApiDocs(this WebApplication app)
    {
        app.MapOpenApi();
        if (app.Environment.IsDevelopment())
        {
            app.MapScalarApiReference();
        }

        return app;
    }
}
