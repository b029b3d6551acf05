using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;

namespace Platform.Aws.Tests;

/// <summary>
/// <c>Platform:LocalRuntime=aws</c>: the services run locally against the bucket and queues of a deployed stack, whose
/// outputs arrive through the stack reference under the keys the emulators fill. The real source is SSM Parameter Store;
/// here a fake stands in.
/// </summary>
public sealed class StackReferenceTests : IDisposable
{
    // The process runtime keeps Postgres and Redis state here; each test gets a fresh folder, removed afterwards.
    private readonly string _dataDirectory = Directory.CreateTempSubdirectory("platform-aws-model-").FullName;

    private static readonly Dictionary<string, string> Outputs = new()
    {
        ["storage/BucketName"] = "platform-dev-storage-abc123",
        ["messaging/QueueUrl"] = "https://sqs.eu-west-1.amazonaws.com/123456789012/Platform-dev-Messaging",
        ["messaging/DeadLetterQueueUrl"] = "https://sqs.eu-west-1.amazonaws.com/123456789012/Platform-dev-MessagingDeadLetters",
    };

    [Fact]
    public async Task Services_receive_the_stack_outputs_under_the_same_keys_as_locally()
    {
        await using var builder = await ModelAsync();
        var stack = Assert.Single(builder.Resources.OfType<CloudFormationStackReferenceResource>());
        var fake = new FakeOutputs(Outputs);
        stack.OutputSource = fake;

        var api = await ResolvedEnvironmentAsync(builder, "api");

        Assert.Equal("Platform-staging", stack.StackName);
        Assert.Equal("platform-dev-storage-abc123", api["storage__BucketName"]);
        Assert.Equal(Outputs["messaging/QueueUrl"], api["messaging__QueueUrl"]);
        Assert.Equal(Outputs["messaging/DeadLetterQueueUrl"], api["messaging__DeadLetterQueueUrl"]);
        Assert.Equal("false", api["storage__ForcePathStyle"]);
        Assert.Equal("eu-west-1", api["AWS__Region"]);
        Assert.Equal("platform-dev", api["AWS_PROFILE"]);
        // Real AWS: no emulator endpoint and no fake credentials; the profile's credentials are used.
        Assert.DoesNotContain("AWS__ServiceURL", api.Keys);
        Assert.DoesNotContain("AWS_ACCESS_KEY_ID", api.Keys);
        Assert.Equal(["Platform-staging"], fake.Requests.Distinct());
        Assert.Single(fake.Requests); // read once for every service and value
    }

    [Fact]
    public async Task Postgres_and_redis_stay_local_and_no_emulator_runs()
    {
        await using var builder = await ModelAsync();

        Assert.DoesNotContain(builder.Resources, r => r is IAwsEmulatorResource);
        Assert.Contains(builder.Resources, r => r.Name == "postgres-server" && r is ExecutableResource or ContainerResource);
        Assert.Contains(builder.Resources, r => r.Name == "redis" && r is ExecutableResource or ContainerResource);
        Assert.Equal("aws-stack", Assert.IsType<S3BucketResource>(builder.Resources.Single(r => r.Name == "storage")).Annotations
            .OfType<ResourceRelationshipAnnotation>().Single(a => a.Type == "Parent").Resource.Name);
    }

    [Fact]
    public async Task A_missing_output_names_the_stack_and_the_output()
    {
        await using var builder = await ModelAsync();
        builder.Resources.OfType<CloudFormationStackReferenceResource>().Single().OutputSource =
            new FakeOutputs(Outputs.Where(o => o.Key != "storage/BucketName").ToDictionary());

        var error = await Assert.ThrowsAsync<DistributedApplicationException>(() => ResolvedEnvironmentAsync(builder, "worker"));

        Assert.Contains("The stack 'Platform-staging' has no output 'storage/BucketName'", error.Message, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_dataDirectory, recursive: true);

    private async Task<IDistributedApplicationTestingBuilder> ModelAsync()
    {
        using var cts = new CancellationTokenSource(Synthesis.Timeout);
        return await DistributedApplicationTestingBuilder.CreateAsync<Projects.AppHost>(
            ["--Platform:LocalRuntime=aws", "--Platform:Aws:StackName=Platform-staging", "--Platform:Aws:Region=eu-west-1",
             "--Platform:Aws:Profile=platform-dev", $"--Platform:DataDirectory={_dataDirectory}"],
            (options, _) => options.DisableDashboard = true,
            cts.Token);
    }

    /// <summary>The values a service starts with: its environment callbacks run, and stack outputs resolved.</summary>
    private static async Task<Dictionary<string, string?>> ResolvedEnvironmentAsync(IDistributedApplicationTestingBuilder builder, string service)
    {
        var resource = builder.Resources.OfType<IResourceWithEnvironment>().Single(r => r.Name == service);
        var variables = new Dictionary<string, object>();
        var context = new EnvironmentCallbackContext(new DistributedApplicationExecutionContext(DistributedApplicationOperation.Run), resource, variables);
        foreach (var callback in resource.Annotations.OfType<EnvironmentCallbackAnnotation>())
        {
            await callback.Callback(context);
        }

        using var cts = new CancellationTokenSource(Synthesis.Timeout);
        var resolved = new Dictionary<string, string?>();
        foreach (var (key, value) in variables)
        {
            resolved[key] = value switch
            {
                string s => s,
                AwsResourceOutput or AwsRegionValue => await ((IValueProvider)value).GetValueAsync(cts.Token),
                _ => null, // endpoints and connection strings exist only once the AppHost runs
            };
        }

        return resolved;
    }

    private sealed class FakeOutputs(IReadOnlyDictionary<string, string> outputs) : IStackOutputSource
    {
        public List<string> Requests { get; } = [];

        public Task<IReadOnlyDictionary<string, string>> GetOutputsAsync(string stackName, CancellationToken cancellationToken)
        {
            lock (Requests)
            {
                Requests.Add(stackName);
            }

            return Task.FromResult(outputs);
        }
    }
}
