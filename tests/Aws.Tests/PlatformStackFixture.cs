using System.Text.Json.Nodes;
using Amazon.CDK.Assertions;

namespace Platform.Aws.Tests;

/// <summary>The real AppHost, published once per test class (synthesis takes seconds; jsii allows one at a time).</summary>
public abstract class PlatformStackFixture(params (string Key, string Value)[] context) : IAsyncLifetime
{
    private SynthesizedApp? _app;

    internal SynthesizedApp App => _app ?? throw new InvalidOperationException("Not synthesized.");

    public abstract string StackName { get; }

    public Template Template { get; private set; } = null!;

    public JsonObject Json { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        await using var model = await Synthesis.RealModelAsync();
        _app = await Synthesis.SynthesizeAsync(model.Resources, context);
        Template = _app.Template(StackName);
        Json = _app.Json(StackName);
    }

    public ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            Directory.Delete(_app.OutputDirectory, recursive: true);
        }

        return ValueTask.CompletedTask;
    }
}

/// <summary>The dev stage with the repository's defaults (cdk.json).</summary>
public sealed class DevStackFixture : PlatformStackFixture
{
    public override string StackName => "Platform-dev";
}

/// <summary>The prod stage with a domain, certificates and an alarm address.</summary>
public sealed class ProdStackFixture() : PlatformStackFixture(
    ("stage", "prod"),
    ("domainName", "media.example.com"),
    ("hostedZoneId", "Z0123456789ABCDEFGHIJ"),
    ("hostedZoneName", "example.com"),
    ("certificateArn", "arn:aws:acm:us-east-1:123456789012:certificate/11111111-2222-3333-4444-555555555555"),
    ("cloudFrontCertificateArn", "arn:aws:acm:us-east-1:123456789012:certificate/66666666-7777-8888-9999-000000000000"),
    ("alarmEmail", "oncall@example.com"))
{
    public override string StackName => "Platform-prod";
}
