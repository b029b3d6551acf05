using System.Diagnostics;
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

/// <summary>
/// The startup hook the runtime calls before the service's Main (DOTNET_STARTUP_HOOKS names this assembly; it must be
/// a type named StartupHook outside any namespace). With <c>PLATFORM_RECORDING_DIRECTORY</c> set, a started service
/// writes <c>{directory}/{service}.service.json</c>: every route it really serves (pattern, methods, whether it needs a
/// signed-in user, whether it is a static asset), its request body limit, and the local names of the AWS resources it
/// was given (<c>storage:BucketName</c>, <c>messaging:QueueUrl</c>, …). The offline AWS checks (eng/aws/checks) route
/// exactly these through CloudFront and the load balancer and map the recorded AWS calls to the template's resources
/// by these keys. Written by hand because nothing in ASP.NET Core exports the endpoint data source of a running app;
/// the host is reached through the "HostBuilt" event every .NET host publishes on its DiagnosticListener (what
/// WebApplicationFactory and the EF Core tools use to find an app's host).
/// </summary>
internal static class StartupHook
{
    public const string DirectoryVariable = "PLATFORM_RECORDING_DIRECTORY";

    public static void Initialize()
    {
        if (Environment.GetEnvironmentVariable(DirectoryVariable) is { Length: > 0 } directory)
        {
            DiagnosticListener.AllListeners.Subscribe(new Platform.ServiceRecorder.HostObserver(directory));
        }
    }
}

namespace Platform.ServiceRecorder
{
    /// <summary>Waits for the host to be built, then for it to start, and writes the service's manifest.</summary>
    internal sealed class HostObserver(string directory) : IObserver<DiagnosticListener>, IObserver<KeyValuePair<string, object?>>
    {
        public void OnNext(DiagnosticListener listener)
        {
            if (listener.Name == "Microsoft.Extensions.Hosting")
            {
                listener.Subscribe(this);
            }
        }

        public void OnNext(KeyValuePair<string, object?> value)
        {
            if (value is { Key: "HostBuilt", Value: IHost host })
            {
                // Endpoints are complete once the app has started (Program.cs mapped them before Run).
                var services = host.Services;
                services.GetRequiredService<IHostApplicationLifetime>().ApplicationStarted.Register(() => ServiceManifest.Write(services, directory));
            }
        }

        public void OnCompleted()
        {
        }

        public void OnError(Exception error)
        {
        }
    }

    internal static partial class ServiceManifest
    {
        private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

        public static void Write(IServiceProvider services, string directory)
        {
            var configuration = services.GetRequiredService<IConfiguration>();
            var service = configuration["OTEL_SERVICE_NAME"] is { Length: > 0 } name ? name : services.GetRequiredService<IHostEnvironment>().ApplicationName;
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

        /// <summary>The keys that name an AWS resource's local stand-in: a bucket name or a queue URL, never a secret.</summary>
        [GeneratedRegex(@"^[A-Za-z0-9_-]+:(BucketName|QueueUrl|DeadLetterQueueUrl)$")]
        private static partial Regex AwsResourceKey();
    }
}
