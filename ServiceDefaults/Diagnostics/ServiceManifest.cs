using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Platform.ServiceDefaults.Diagnostics;

/// <summary>
/// Opt-in: when <c>Platform:Recording:Directory</c> is set (only the integration test fixture sets it), a started
/// service writes <c>{directory}/{service}.service.json</c>: every route it really serves (pattern, methods, whether it
/// needs a signed-in user, whether it is a static asset), its request body limit, and the local names of the AWS
/// resources it was given (<c>storage:BucketName</c>, <c>messaging:QueueUrl</c>, …). The offline AWS checks
/// (<c>eng/aws/checks</c>) route exactly these through CloudFront and the load balancer and map the recorded AWS calls
/// to the template's resources by these keys. Written by hand because nothing in ASP.NET Core exports the endpoint data
/// source of a running app; without the key it registers nothing.
/// </summary>
public static partial class ServiceManifest
{
    public const string DirectoryKey = "Platform:Recording:Directory";

    public static TBuilder AddServiceManifest<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        if (builder.Configuration[DirectoryKey] is { Length: > 0 } directory)
        {
            builder.Services.AddHostedService(sp => new Writer(sp, builder.Configuration, directory,
                builder.Configuration["OTEL_SERVICE_NAME"] is { Length: > 0 } name ? name : builder.Environment.ApplicationName));
        }

        return builder;
    }

    private sealed class Writer(IServiceProvider services, IConfiguration configuration, string directory, string service) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            // Endpoints are complete once the app has started (Program.cs mapped them before Run).
            services.GetRequiredService<IHostApplicationLifetime>().ApplicationStarted.Register(Write);
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        private void Write()
        {
            var endpoints = services.GetService<EndpointDataSource>()?.Endpoints ?? [];
            var routes = endpoints.OfType<RouteEndpoint>()
                .Select(e => new
                {
                    pattern = "/" + (e.RoutePattern.RawText ?? "").TrimStart('/'),
                    methods = e.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods.OrderBy(m => m, StringComparer.Ordinal).ToArray(),
                    authorized = e.Metadata.GetMetadata<IAuthorizeData>() is not null && e.Metadata.GetMetadata<IAllowAnonymous>() is null,
                    staticAsset = e.Metadata.Any(m => m.GetType().Name == "StaticAssetDescriptor"),
                    maxRequestBodyBytes = e.Metadata.GetMetadata<IRequestSizeLimitMetadata>()?.MaxRequestBodySize,
                    displayName = e.DisplayName,
                })
                .OrderBy(r => r.pattern, StringComparer.Ordinal).ThenBy(r => string.Join(",", r.methods ?? []), StringComparer.Ordinal)
                .ToList();
            var resources = configuration.AsEnumerable()
                .Where(e => e.Value is not null && AwsResourceKey().IsMatch(e.Key))
                .OrderBy(e => e.Key, StringComparer.Ordinal)
                .ToDictionary(e => e.Key, e => e.Value);
            var manifest = new
            {
                service,
                maxRequestBodyBytes = services.GetService<IOptions<KestrelServerOptions>>()?.Value.Limits.MaxRequestBodySize,
                resources,
                routes,
            };

            Directory.CreateDirectory(directory);
            var path = Path.Combine(directory, $"{service}.service.json");
            File.WriteAllText(path + ".tmp", JsonSerializer.Serialize(manifest, Json));
            File.Move(path + ".tmp", path, overwrite: true);
        }
    }

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    /// <summary>The keys that name an AWS resource's local stand-in: a bucket name or a queue URL, never a secret.</summary>
    [GeneratedRegex(@"^[A-Za-z0-9_-]+:(BucketName|QueueUrl|DeadLetterQueueUrl)$")]
    private static partial Regex AwsResourceKey();
}
