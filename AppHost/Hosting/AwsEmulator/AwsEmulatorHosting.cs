using Aspire.Hosting.ApplicationModel;
using Platform.AppHost.Hosting;

namespace Aspire.Hosting;

/// <summary>
/// The local stand-in for the AWS services S3 and SQS: LocalStack in a container, or fauxqs as a Node process. It is
/// added once, by the first bucket or queue, and both sit under it in the dashboard.
/// </summary>
internal static class AwsEmulatorHosting
{
    public const string ResourceName = "aws-emulator";
    public const string Region = "us-east-1";

    // Pinned so every developer and CI run the same emulator. Override with Platform:LocalStack:Tag.
    public const string LocalStackImage = "localstack/localstack";
    public const string LocalStackTag = "4.9.2";

    /// <summary>The emulator, added once; null where buckets and queues are the real ones (published stack, or aws runtime).</summary>
    public static IResourceBuilder<IAwsEmulatorResource>? GetOrAddAwsEmulator(this IDistributedApplicationBuilder builder)
    {
        if (LocalRuntime.PublishesAwsStack(builder) || LocalRuntime.For(builder).Kind == LocalRuntimeKind.Aws)
        {
            return null;
        }

        if (builder.Resources.OfType<IAwsEmulatorResource>().SingleOrDefault() is { } existing)
        {
            return builder.CreateResourceBuilder(existing);
        }

        return LocalRuntime.For(builder).Kind switch
        {
            LocalRuntimeKind.Containers => builder.AddLocalStack(),
            _ => builder.AddFauxqs(),
        };
    }

    private static IResourceBuilder<IAwsEmulatorResource> AddLocalStack(this IDistributedApplicationBuilder builder)
    {
        var tag = builder.Configuration["Platform:LocalStack:Tag"] is { Length: > 0 } configured ? configured : LocalStackTag;
        var localStack = builder.AddResource(new LocalStackResource(ResourceName))
            .WithImage(LocalStackImage, tag)
            .WithImageRegistry("docker.io")
            .WithHttpEndpoint(targetPort: 4566, name: AwsEmulatorEndpoint.Name)
            .WithEnvironment("SERVICES", "s3,sqs")
            .WithEnvironment("AWS_DEFAULT_REGION", Region)
            .WithEnvironment(context =>
            {
                // LocalStack's answer to bucket CORS for browser uploads, from the origins buckets allow.
                context.EnvironmentVariables["EXTRA_CORS_ALLOWED_ORIGINS"] = AllowedOrigins(builder);
                if (Environment.GetEnvironmentVariable("LOCALSTACK_AUTH_TOKEN") is { Length: > 0 } token)
                {
                    context.EnvironmentVariables["LOCALSTACK_AUTH_TOKEN"] = token;
                }
            })
            .WithHttpHealthCheck("/_localstack/health", endpointName: AwsEmulatorEndpoint.Name)
            .WithIconName("Cloud");
        return builder.CreateResourceBuilder<IAwsEmulatorResource>(localStack.Resource);
    }

    private static IResourceBuilder<IAwsEmulatorResource> AddFauxqs(this IDistributedApplicationBuilder builder)
    {
        var node = LocalProcesses.RequireOnPath("node", "nodejs");
        var root = LocalProcesses.RepositoryRoot(builder);
        var script = Path.Combine(root, "eng", "local-aws", "server.mjs");
        if (!File.Exists(Path.Combine(root, "node_modules", "fauxqs", "package.json")))
        {
            throw new DistributedApplicationException(
                $"fauxqs (local S3 and SQS) is not installed in {Path.Combine(root, "node_modules")}. " +
                $"Run `npm ci` in {root} (eng/run.sh does this for you).");
        }

        var fauxqs = builder.AddResource(new FauxqsResource(ResourceName, node, root))
            .WithArgs(script)
            .WithLoopbackEndpoint(AwsEmulatorEndpoint.Name, "http")
            .WithEnvironment(context => context.EnvironmentVariables["PORT"] = LoopbackEndpoint.PortText(context.Resource, AwsEmulatorEndpoint.Name))
            .WithEnvironment("AWS_REGION", Region)
            .WithEnvironment(context => context.EnvironmentVariables["CORS_ALLOWED_ORIGINS"] = AllowedOrigins(builder))
            .WithHttpHealthCheck("/health", endpointName: AwsEmulatorEndpoint.Name)
            .WithIconName("Cloud");
        return builder.CreateResourceBuilder<IAwsEmulatorResource>(fauxqs.Resource);
    }

    /// <summary>The origins any bucket allows browser requests from, as one comma-separated expression.</summary>
    private static ReferenceExpression AllowedOrigins(IDistributedApplicationBuilder builder)
    {
        var expression = new ReferenceExpressionBuilder();
        var first = true;
        foreach (var origin in builder.Resources.OfType<S3BucketResource>().SelectMany(b => b.CorsOrigins))
        {
            if (!first)
            {
                expression.AppendLiteral(",");
            }

            expression.Append($"{origin}");
            first = false;
        }

        return expression.Build();
    }
}
