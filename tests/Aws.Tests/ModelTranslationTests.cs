using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;

namespace Platform.Aws.Tests;

/// <summary>
/// The translation follows the app model, not a list of its own: a throwaway AppHost model with other resources gives
/// a stack with other resources, and a value without an AWS form stops the publish, naming it.
/// </summary>
public sealed class ModelTranslationTests
{
    private const string WorkerProject = "../../../../../Worker/Worker.csproj";

    [Fact]
    public async Task A_resource_added_to_the_model_appears_in_the_stack_without_touching_the_translation()
    {
        var builder = Synthesis.ThrowawayModel();
        var postgres = builder.AddPlatformPostgres("catalog", databaseName: "catalog");
        var reports = builder.AddS3Bucket("reports", bucketName: "reports");
        var jobs = builder.AddSqsQueue("jobs", queueName: "report-jobs").WithDeadLetterQueue(maxReceiveCount: 3);
        var audit = builder.AddSqsQueue("audit", queueName: "audit-events");
        var frontend = builder.AddProject("frontend", ProjectPath(WorkerProject)).WithExternalHttpEndpoints()
            .WithReference(jobs, QueueAccess.Send).WithReference(audit, QueueAccess.Send);
        builder.AddProject("renderer", ProjectPath(WorkerProject))
            .WithReference(postgres).WithReference(reports, BucketAccess.Write, "rendered/").WithReference(jobs, QueueAccess.Consume)
            .WithReference(frontend.GetEndpoint("http"))
            .WithEnvironment("renderer__Quality", "high");

        var app = await Synthesis.SynthesizeAsync(builder.Resources);
        var json = app.Json("Platform-dev");

        Assert.Equal(3, json.Resources("AWS::SQS::Queue").Count()); // jobs + its dead letters + audit
        Assert.Equal(2, json.Resources("AWS::ECS::Service").Count());
        Assert.Single(json.Resources("AWS::RDS::DBInstance")); // no read-only connection: no replica
        Assert.Empty(json.Resources("AWS::ElastiCache::ReplicationGroup"));
        Assert.Equal(["platform/frontend", "platform/renderer"],
            app.Json("PlatformImages").Resources("AWS::ECR::Repository").Select(r => (string)r.Properties["RepositoryName"]!).Order(StringComparer.Ordinal));

        var renderer = json.Container("Renderer");
        var environment = renderer.Environment();
        Assert.Equal("high", (string?)environment["renderer__Quality"]);
        Assert.Equal("http://frontend:8080", (string?)environment["services__frontend__http__0"]);
        Assert.Equal("3", json.Named("AWS::SQS::Queue", "Jobs").Properties["RedrivePolicy"]!["maxReceiveCount"]!.ToJsonString());
        Assert.Contains("ConnectionStrings__catalog", renderer.Secrets().Keys);
        Assert.Contains("reports__BucketName", environment.Keys);

        var rendererActions = json.ActionsOf(json.Id("AWS::IAM::Role", "RendererTaskRole"));
        Assert.Contains("s3:PutObject", rendererActions);
        Assert.DoesNotContain("s3:GetObject", rendererActions);
        Assert.Contains("sqs:ReceiveMessage", rendererActions);
        Assert.DoesNotContain("sqs:SendMessage", json.ActionsOn(json.Id("AWS::IAM::Role", "RendererTaskRole"), json.Id("AWS::SQS::Queue", "Jobs")));
        var objectGrant = json.IdentityStatements().Single(s => s.Statement.Actions().Contains("s3:PutObject")).Statement;
        Assert.Contains("/rendered/*", objectGrant["Resource"]!.ToJsonString(), StringComparison.Ordinal);
        // The frontend is reachable from the renderer, and from the load balancer at '/'.
        Assert.Contains((json.Id("AWS::EC2::SecurityGroup", "FrontendSecurityGroup"), json.Id("AWS::EC2::SecurityGroup", "RendererSecurityGroup"), 8080), json.IngressRules());
        Directory.Delete(app.OutputDirectory, recursive: true);
    }

    [Fact]
    public async Task A_configuration_value_without_an_aws_form_fails_the_publish_naming_service_and_key()
    {
        var builder = Synthesis.ThrowawayModel();
        var elsewhere = builder.AddResource(new ExternalThing("elsewhere"));
        builder.AddProject("site", ProjectPath(WorkerProject)).WithExternalHttpEndpoints()
            .WithEnvironment(context => context.EnvironmentVariables["Elsewhere__Url"] = new ExternalValue(elsewhere.Resource));

        var error = await Assert.ThrowsAnyAsync<Exception>(() => Synthesis.SynthesizeAsync(builder.Resources.Where(r => r is not ExternalThing)));

        Assert.Contains("service 'site'", error.Message, StringComparison.Ordinal);
        Assert.Contains("'Elsewhere__Url'", error.Message, StringComparison.Ordinal);
        Assert.Contains("{elsewhere.url}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_resource_without_an_aws_form_fails_the_publish_naming_it()
    {
        var builder = Synthesis.ThrowawayModel();
        builder.AddContainer("mailer", "example/mailer", "1.0");
        builder.AddProject("site", ProjectPath(WorkerProject)).WithExternalHttpEndpoints();

        var error = await Assert.ThrowsAnyAsync<Exception>(() => Synthesis.SynthesizeAsync(builder.Resources));

        Assert.Contains("'mailer' (ContainerResource) has no AWS form", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Building_the_model_to_publish_writes_nothing_and_runs_no_container_engine()
    {
        var data = Directory.CreateTempSubdirectory("platform-publish-data-");
        var scratch = Directory.CreateTempSubdirectory("platform-publish-engine-");
        try
        {
            var engineRan = Path.Combine(scratch.FullName, "engine-ran");
            var engine = Path.Combine(scratch.FullName, "docker");
            File.WriteAllText(engine, $"#!/bin/sh\necho \"$@\" >> '{engineRan}'\n");
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(engine, (UnixFileMode)Convert.ToInt32("755", 8));
            }

            await using var model = await Synthesis.RealModelAsync(
                $"--Platform:DataDirectory={data.FullName}", $"--ASPIRE_CONTAINER_RUNTIME={engine}", $"--DOCKER_HOST=unix://{engine}");

            Assert.NotEmpty(model.Resources);
            Assert.Empty(data.EnumerateFileSystemInfos());
            Assert.False(File.Exists(engineRan));
            Assert.DoesNotContain(model.Resources, r => r is ExecutableResource or ContainerResource);
        }
        finally
        {
            data.Delete(recursive: true);
            scratch.Delete(recursive: true);
        }
    }

    private static string ProjectPath(string relative) => Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, relative));

    private sealed class ExternalThing(string name) : Resource(name);

    private sealed class ExternalValue(IResource resource) : IValueProvider, IManifestExpressionProvider
    {
        public string ValueExpression => $"{{{resource.Name}.url}}";

        public ValueTask<string?> GetValueAsync(CancellationToken cancellationToken = default) => ValueTask.FromResult<string?>("https://example.com");
    }
}
