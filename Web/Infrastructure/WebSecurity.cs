using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Platform.ServiceDefaults.Http;

namespace Platform.Web.Infrastructure;

/// <summary>
/// What the browser is told about the pages, and what the Web app accepts from it:
/// <list type="bullet">
/// <item>a Content-Security-Policy without <c>'unsafe-inline'</c> (the pages have no inline script or style; scripts and
/// styles come from this origin only), that lets the pages reach the bucket (presigned uploads, signed thumbnails) and
/// nothing else, and that no other site may frame;</item>
/// <item><c>X-Content-Type-Options: nosniff</c>, <c>X-Frame-Options: DENY</c>, <c>Referrer-Policy: same-origin</c> (a
/// page address never travels to the bucket), <c>Cross-Origin-Opener-Policy</c> and a Permissions-Policy that switches
/// off what a media library never uses;</item>
/// <item>cookies that are <c>HttpOnly</c> and <c>SameSite</c>, and <c>Secure</c> whenever the request came over HTTPS, and
/// always outside Development (in AWS, TLS ends at CloudFront and the ALB, and browsers only ever reach the site over
/// HTTPS);</item>
/// <item>request bodies of at most <see cref="MaxRequestBodyBytes"/>: Web's forms and JSON calls are small, the files
/// themselves go to S3.</item>
/// </list>
/// </summary>
public static class WebSecurity
{
    /// <summary>Sign-in forms and the upload calls (a part list of 500 parts is about 30 KB) fit with room to spare.</summary>
    public const long MaxRequestBodyBytes = 64 * 1024;

    public static IHostApplicationBuilder AddWebSecurity(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<ContentSecurityOptions>()
            .BindConfiguration(ContentSecurityOptions.SectionName)
            .Validate(o => o.StorageOrigins.Count > 0,
                $"{ContentSecurityOptions.SectionName}:StorageOrigins is missing: the origins pages upload to and load thumbnails from (the AppHost sets it).")
            .Validate(o => o.StorageOrigins.All(ContentSecurityOptions.IsOrigin),
                $"Every {ContentSecurityOptions.SectionName}:StorageOrigins entry must be an origin like https://bucket.s3.us-east-1.amazonaws.com (scheme, host, optional port; no path).")
            .ValidateOnStart();

        services.AddSecurityHeaderPolicies((policies, sp) =>
        {
            var storage = sp.GetRequiredService<IOptions<ContentSecurityOptions>>().Value.StorageOrigins;
            policies.SetDefaultPolicy(headers => headers
                .AddDefaultSecurityHeaders()
                .AddReferrerPolicySameOrigin()
                .AddPermissionsPolicy(permissions =>
                {
                    permissions.AddCamera().None();
                    permissions.AddMicrophone().None();
                    permissions.AddGeolocation().None();
                    permissions.AddPayment().None();
                    permissions.AddUsb().None();
                })
                .AddContentSecurityPolicy(csp =>
                {
                    csp.AddDefaultSrc().Self();
                    csp.AddScriptSrc().Self();
                    csp.AddStyleSrc().Self();
                    csp.AddImgSrc().Self().From(storage);
                    csp.AddConnectSrc().Self().From(storage);
                    csp.AddFontSrc().Self();
                    csp.AddObjectSrc().None();
                    csp.AddBaseUri().None();
                    csp.AddFormAction().Self();
                    csp.AddFrameAncestors().None();
                }));
        });

        var securePolicy = CookieSecurePolicyFor(builder.Environment);
        services.Configure<AntiforgeryOptions>(options =>
        {
            options.Cookie.HttpOnly = true;
            options.Cookie.SameSite = SameSiteMode.Strict;
            options.Cookie.SecurePolicy = securePolicy;
        });
        services.Configure<CookieTempDataProviderOptions>(options =>
        {
            options.Cookie.HttpOnly = true;
            options.Cookie.SameSite = SameSiteMode.Lax;
            options.Cookie.SecurePolicy = securePolicy;
        });

        // A TLS-terminating proxy in front says the request was HTTPS (and whose it was). Trusted: loopback by default;
        // in AWS the VPC's range with two proxies (CloudFront, the load balancer), and the public host name
        // (X-Forwarded-Host from CloudFront) limited to the one the stack configures (ServiceDefaults/Http/ForwardedHost.cs).
        services.Configure<ForwardedHeadersOptions>(options =>
            options.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto);

        services.Configure<Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerOptions>(options => options.Limits.MaxRequestBodySize = MaxRequestBodyBytes);
        services.Configure<FormOptions>(options =>
        {
            options.MultipartBodyLengthLimit = MaxRequestBodyBytes;
            options.ValueLengthLimit = (int)MaxRequestBodyBytes;
            options.ValueCountLimit = 64;
        });

        // A request the server refuses as malformed or too large keeps its 4xx on the error page (by default the
        // exception handler turns every exception into a 500).
        services.Configure<ExceptionHandlerOptions>(options => options.StatusCodeSelector = exception => exception switch
        {
            BadHttpRequestException badRequest => badRequest.StatusCode,
            InvalidDataException => StatusCodes.Status400BadRequest,
            _ => StatusCodes.Status500InternalServerError,
        });
        return builder;
    }

    /// <summary>
    /// The <c>Secure</c> rule of every cookie the Web app sets: always outside Development, where the site is only served
    /// over HTTPS (Web itself sees plain HTTP behind CloudFront and the ALB); in Development, whenever the request was HTTPS.
    /// </summary>
    public static CookieSecurePolicy CookieSecurePolicyFor(IHostEnvironment environment) =>
        environment.IsDevelopment() ? CookieSecurePolicy.SameAsRequest : CookieSecurePolicy.Always;

    /// <summary>First in the pipeline, so every answer (error pages and static files included) carries the headers.</summary>
    public static WebApplication UseWebSecurity(this WebApplication app)
    {
        app.UseForwardedHeaders();
        app.UseSecurityHeaders();
        app.UseUtf8RequestBodiesOnly();
        return app;
    }
}

/// <summary>Where the pages may reach besides their own origin (<c>ContentSecurityPolicy</c> section).</summary>
public sealed partial class ContentSecurityOptions
{
    public const string SectionName = "ContentSecurityPolicy";

    /// <summary>
    /// The bucket's origins: where the browser PUTs uploads and loads signed thumbnails and previews from. Locally the S3
    /// emulator (<c>http://127.0.0.1:port</c>), in AWS the bucket's regional endpoint.
    /// </summary>
    public List<string> StorageOrigins { get; set; } = [];

    /// <summary>A CSP host source of the form scheme://host[:port], the host optionally starting with <c>*.</c>.</summary>
    public static bool IsOrigin(string value) => OriginPattern().IsMatch(value);

    [GeneratedRegex(@"^https?://(\*\.)?[A-Za-z0-9.-]+(:\d{1,5})?$")]
    private static partial Regex OriginPattern();
}
